package dev.millrace.collector.ingest;

import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.memory.OverBudgetException;
import dev.millrace.proto.v1.Transport;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;

/**
 * Gives every call a {@link CallMemory} (in the gRPC {@link Context}, for {@link GrpcIngest}) and
 * closes it when the call ends, whether answered, failed or cancelled by the client.
 *
 * <p>A call whose client sends one message (SendBatch) asks grpc for that message only once the
 * budget reserved room for it, and otherwise ends RESOURCE_EXHAUSTED before a byte of it is read. It
 * asks for that one message only, not the two grpc-java's stub asks for to catch a client sending a
 * second: a second message is never read, so it cannot cost memory (such a client waits for its
 * deadline instead of getting INTERNAL). A streaming call (SendStream) asks for each message itself.
 */
final class GrpcMemory implements ServerInterceptor {

  static final Context.Key<CallMemory> CALL = Context.key("millrace-call-memory");

  private final MemoryBudget budget;
  private final long maxMessageBytes;
  private final IngestMetrics metrics;

  GrpcMemory(MemoryBudget budget, long maxMessageBytes, IngestMetrics metrics) {
    this.budget = budget;
    this.maxMessageBytes = maxMessageBytes;
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                     ServerCallHandler<Q, R> next) {
    CallMemory memory = new CallMemory(budget, maxMessageBytes);
    ServerCall<Q, R> gated = call.getMethodDescriptor().getType().clientSendsOneMessage()
        ? new OneMessage<>(call, memory, System.nanoTime()) : call;
    ServerCall.Listener<Q> listener;
    try {
      listener = Contexts.interceptCall(Context.current().withValue(CALL, memory), gated, headers, next);
    } catch (RuntimeException | Error e) {
      memory.close(); // the call never started: nothing else will
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          memory.close();
        }
      }

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          memory.close();
        }
      }
    };
  }

  /** A one-message call: its only message is asked for once its room is reserved. */
  private final class OneMessage<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {

    private final CallMemory memory;
    private final long started;
    // Touched only from the stub's startCall and the call's serialized callbacks.
    private boolean asked;
    private volatile boolean refused;

    OneMessage(ServerCall<Q, R> call, CallMemory memory, long started) {
      super(call);
      this.memory = memory;
      this.started = started;
    }

    @Override
    public void request(int numMessages) {
      if (asked || refused || numMessages <= 0) {
        return;
      }
      if (memory.reserveNextMessage()) {
        asked = true;
        super.request(1);
        return;
      }
      // Safe to close here: this runs in the stub's startCall, before the service is invoked.
      refused = true;
      metrics.overBudget(Transport.TRANSPORT_GRPC);
      metrics.request(Transport.TRANSPORT_GRPC, "over_budget", Duration.ofNanos(System.nanoTime() - started));
      super.close(Status.RESOURCE_EXHAUSTED.withDescription(OverBudgetException.ANSWER), new Metadata());
    }

    @Override
    public void sendHeaders(Metadata headers) {
      if (!refused) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public void sendMessage(R message) {
      if (!refused) {
        super.sendMessage(message);
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (!refused) {
        super.close(status, trailers);
      }
    }
  }
}
