package dev.millrace.collector.ingest;

import dev.millrace.collector.config.CollectorProperties.Limits;
import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.memory.OverBudgetException;
import dev.millrace.collector.sink.SinkUnavailableException;
import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.collector.validate.EventValidator;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.CollectorServiceGrpc;
import dev.millrace.proto.v1.EventBatch;
import dev.millrace.proto.v1.Transport;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gRPC edge: {@code CollectorService}. Status codes: INVALID_ARGUMENT for an empty batch,
 * UNAUTHENTICATED (by {@link GrpcAuth}), RESOURCE_EXHAUSTED for a batch or stream over its event
 * limit (gRPC itself answers it for a message over the size limit) and when the memory budget is
 * full, UNAVAILABLE when Kafka cannot take the events. OK is answered only once every record of the
 * call is acknowledged.
 *
 * <p>A stream keeps only its per-event answers until it ends: each message's records are released
 * as the broker acknowledges them. It reads its next message only while its records awaiting acks
 * are within {@code grpc.stream-window} (HTTP/2 flow control then holds the client back), so a
 * producer faster than Kafka is slowed down rather than refused.
 */
public final class GrpcIngest extends CollectorServiceGrpc.CollectorServiceImplBase {

  private static final Status UNDECODABLE = Status.INVALID_ARGUMENT.withDescription(
      "the message is not a valid EventBatch: it does not decode as Protobuf");
  private static final Status OVER_BUDGET = Status.RESOURCE_EXHAUSTED.withDescription(OverBudgetException.ANSWER);

  private final EventValidator validator;
  private final Ingestion ingestion;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final Limits limits;
  private final GrpcMemory memory;
  private final long streamWindow;

  /**
   * @param maxMessageBytes the server's largest inbound message, reserved before each is read
   * @param streamWindowBytes record bytes of one stream awaiting acks past which it stops reading
   */
  public GrpcIngest(EventValidator validator, Ingestion ingestion, IngestMetrics metrics, Clock clock,
                    MemoryBudget budget, long maxMessageBytes, long streamWindowBytes) {
    this.validator = validator;
    this.ingestion = ingestion;
    this.metrics = metrics;
    this.clock = clock;
    this.limits = validator.limits();
    this.memory = new GrpcMemory(budget, maxMessageBytes, metrics);
    this.streamWindow = streamWindowBytes;
  }

  /** Gives each call its share of the memory budget; {@link GrpcDefinition#of} installs it. */
  ServerInterceptor memoryInterceptor() {
    return memory;
  }

  @Override
  public void sendBatch(EventBatch request, StreamObserver<BatchResult> responses) {
    Call call = new Call(responses, System.nanoTime(), false);
    if (request == GrpcDefinition.UNDECODABLE) {
      call.fail(UNDECODABLE, "invalid");
      return;
    }
    if (request.getEventsCount() == 0) {
      call.fail(Status.INVALID_ARGUMENT.withDescription("the batch is empty"), "invalid");
      return;
    }
    if (request.getEventsCount() > limits.maxBatchEvents()) {
      call.fail(Status.RESOURCE_EXHAUSTED.withDescription(
          "the batch has more than " + limits.maxBatchEvents() + " events"), "too_large");
      return;
    }
    try {
      if (call.arrived(request)) {
        call.add(request);
      }
    } finally {
      call.memory.messageDone();
    }
    call.finish();
  }

  @Override
  public StreamObserver<EventBatch> sendStream(StreamObserver<BatchResult> responses) {
    ServerCallStreamObserver<BatchResult> observer = (ServerCallStreamObserver<BatchResult>) responses;
    // Each message is asked for by Call.requestNext, once the budget and the window allow it.
    observer.disableAutoRequest();
    Call call = new Call(observer, System.nanoTime(), true);
    call.requestNext();
    return new StreamObserver<>() {
      @Override
      public void onNext(EventBatch batch) {
        call.flow.set(Flow.HANDLING);
        try {
          if (call.answered.get()) {
            return;
          }
          if (!call.arrived(batch)) {
            return;
          }
          if (batch == GrpcDefinition.UNDECODABLE) {
            call.fail(UNDECODABLE, "invalid");
          } else if (batch.getEventsCount() > limits.maxBatchEvents()) {
            call.fail(Status.RESOURCE_EXHAUSTED.withDescription(
                "a batch has more than " + limits.maxBatchEvents() + " events"), "too_large");
          } else if (call.nextIndex + batch.getEventsCount() > limits.maxStreamEvents()) {
            call.fail(Status.RESOURCE_EXHAUSTED.withDescription(
                "the stream has more than " + limits.maxStreamEvents() + " events"), "too_large");
          } else {
            call.add(batch);
          }
        } finally {
          call.memory.messageDone();
          call.flow.set(Flow.IDLE);
        }
        call.requestNext();
      }

      @Override
      public void onError(Throwable t) {
        // The client cancelled: there is nobody to answer. Records already sent may land; the
        // client did not get OK, so it resends, and downstream deduplicates by event id. What the
        // call reserved is given back by GrpcMemory; each part's records when Kafka answers for them.
        call.answered.set(true);
      }

      @Override
      public void onCompleted() {
        call.halfClosed = true;
        call.memory.noMoreMessages();
        call.finish();
      }
    };
  }

  /** Where a stream is between its messages; only IDLE may ask for the next one. */
  private enum Flow { IDLE, AWAITING, HANDLING }

  /**
   * One call's state. gRPC delivers a call's messages one at a time; Kafka's callbacks come on the
   * producer's thread, so what they touch is atomic (and nothing here blocks that thread).
   */
  private final class Call {
    final StreamObserver<BatchResult> responses;
    final long started;
    final boolean streaming;
    final String requestId = UUID.randomUUID().toString();
    final RequestInfo info;
    final CallMemory memory;
    // Written by the gRPC thread only; read by finish() once the client half-closed.
    final List<CompletableFuture<Ingestion.Part>> parts = new ArrayList<>();
    int nextIndex;
    final AtomicBoolean answered = new AtomicBoolean();
    final AtomicReference<Flow> flow = new AtomicReference<>(Flow.IDLE);
    final AtomicLong unacknowledged = new AtomicLong();
    volatile boolean halfClosed;

    Call(StreamObserver<BatchResult> responses, long started, boolean streaming) {
      this.responses = responses;
      this.started = started;
      this.streaming = streaming;
      String keyId = GrpcAuth.WRITE_KEY_ID.get();
      String clientIp = GrpcAuth.CLIENT_IP.get();
      this.info = new RequestInfo(requestId, clock.instant(), clientIp == null ? "" : clientIp,
          keyId == null ? "" : keyId, Transport.TRANSPORT_GRPC);
      CallMemory m = GrpcMemory.CALL.get();
      if (m == null) {
        throw new IllegalStateException("GrpcIngest must be bound with GrpcDefinition.of");
      }
      this.memory = m;
    }

    /** Counts an arrived message at its size; false (the call failed) when the budget cannot. */
    boolean arrived(EventBatch batch) {
      if (memory.messageArrived(batch.getSerializedSize())) {
        return true;
      }
      overBudget();
      return false;
    }

    /** Asks for the stream's next message if the budget has room for it and the window allows. */
    void requestNext() {
      if (!streaming || halfClosed || answered.get() || unacknowledged.get() > streamWindow) {
        return; // over the window: the acknowledgement that brings it back under calls again
      }
      if (!flow.compareAndSet(Flow.IDLE, Flow.AWAITING)) {
        return;
      }
      if (!memory.reserveNextMessage()) {
        if (!memory.closed()) {
          overBudget();
        }
        return;
      }
      try {
        ((ServerCallStreamObserver<BatchResult>) responses).request(1);
      } catch (RuntimeException callGone) {
        // cancelled meanwhile: GrpcMemory gives the reservation back
      }
    }

    void add(EventBatch batch) {
      List<CheckedEvent> checked = new ArrayList<>(batch.getEventsCount());
      for (int i = 0; i < batch.getEventsCount(); i++) {
        checked.add(validator.checkProto(batch.getEvents(i), nextIndex + i));
      }
      nextIndex += batch.getEventsCount();
      MemoryBudget.Lease records = memory.newPart();
      Ingestion.Prepared prepared;
      try {
        prepared = ingestion.prepare(info, checked, records, memory.answers());
      } catch (OverBudgetException e) {
        records.close();
        overBudget();
        return;
      }
      long bytes = records.heldBytes();
      unacknowledged.addAndGet(bytes);
      CompletableFuture<Ingestion.Part> sent;
      try {
        sent = ingestion.send(prepared, Transport.TRANSPORT_GRPC);
      } catch (SinkUnavailableException e) {
        records.close();
        unacknowledged.addAndGet(-bytes);
        fail(Status.UNAVAILABLE.withDescription(e.getMessage()), "unavailable");
        return;
      }
      parts.add(sent);
      sent.whenComplete((part, e) -> {
        // acknowledged (or failed for good): the producer no longer holds these records
        records.close();
        unacknowledged.addAndGet(-bytes);
        requestNext();
      });
    }

    void finish() {
      if (answered.get()) {
        return;
      }
      CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
        if (e != null) {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          fail(Status.UNAVAILABLE.withDescription(cause instanceof SinkUnavailableException
              ? cause.getMessage() : "Kafka did not acknowledge the call"), "unavailable");
          return;
        }
        if (!answered.compareAndSet(false, true)) {
          return;
        }
        List<Ingestion.Part> done = parts.stream().map(CompletableFuture::join).toList();
        try {
          responses.onNext(Ingestion.result(requestId, done));
          responses.onCompleted();
        } catch (StatusRuntimeException | IllegalStateException cancelled) {
          // the client went away while we waited for Kafka
        }
        record("ok");
      });
    }

    void overBudget() {
      if (!answered.get()) {
        metrics.overBudget(Transport.TRANSPORT_GRPC);
      }
      fail(OVER_BUDGET, "over_budget");
    }

    void fail(Status status, String outcome) {
      if (!answered.compareAndSet(false, true)) {
        return;
      }
      try {
        responses.onError(status.asRuntimeException());
      } catch (StatusRuntimeException | IllegalStateException alreadyClosed) {
        // the client cancelled first
      }
      record(outcome);
    }

    private void record(String outcome) {
      metrics.request(Transport.TRANSPORT_GRPC, outcome, Duration.ofNanos(System.nanoTime() - started));
    }
  }
}
