package dev.millrace.producer.send;

import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.CollectorServiceGrpc;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventBatch;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code millrace.v1.CollectorService}: one SendBatch per batch, or one SendStream per batch in chunks. */
public final class GrpcSender implements EventSender {

  /** Which RPC carries a batch. */
  public enum Mode { BATCH, STREAM }

  /** Messages per stream message in STREAM mode. */
  static final int STREAM_CHUNK = 25;

  private final ManagedChannel owned;
  private final String target;
  private final Mode mode;
  private final Duration deadline;
  private final CollectorServiceGrpc.CollectorServiceBlockingStub blocking;
  private final CollectorServiceGrpc.CollectorServiceStub async;

  /** Sends over the given channel; the caller owns it. */
  public GrpcSender(Channel channel, String target, String writeKey, Mode mode, Duration deadline) {
    this(channel, null, target, writeKey, mode, deadline);
  }

  private GrpcSender(Channel channel, ManagedChannel owned, String target, String writeKey, Mode mode,
                     Duration deadline) {
    this.owned = owned;
    this.target = target;
    this.mode = mode;
    this.deadline = deadline;
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of(WireNames.WRITE_KEY_GRPC_METADATA, Metadata.ASCII_STRING_MARSHALLER), writeKey);
    this.blocking = CollectorServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    this.async = CollectorServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /**
   * Opens its own channel to {@code host:port} (plaintext), or {@code grpcs://host:port} (TLS);
   * {@code grpc://} and {@code dns:///} prefixes are accepted.
   */
  public static GrpcSender connect(String target, String writeKey, Mode mode, Duration deadline) {
    boolean tls = target.startsWith("grpcs://");
    String address = target.replaceFirst("^grpcs?://", "");
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(address)
        .maxInboundMessageSize(16 * 1024 * 1024);
    if (!tls) {
      builder.usePlaintext();
    }
    ManagedChannel channel = builder.build();
    return new GrpcSender(channel, channel, target, writeKey, mode, deadline);
  }

  @Override
  public String transport() {
    return "grpc";
  }

  @Override
  public String target() {
    return target;
  }

  @Override
  public BatchResult send(List<Event> events) throws SendException {
    try {
      return switch (mode) {
        case BATCH -> blocking.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .sendBatch(EventBatch.newBuilder().addAllEvents(events).build());
        case STREAM -> stream(events);
      };
    } catch (StatusRuntimeException e) {
      throw failure(e.getStatus(), e);
    }
  }

  private BatchResult stream(List<Event> events) throws SendException {
    CompletableFuture<BatchResult> answer = new CompletableFuture<>();
    StreamObserver<EventBatch> requests = async.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .sendStream(new StreamObserver<>() {
          @Override public void onNext(BatchResult value) { answer.complete(value); }
          @Override public void onError(Throwable t) { answer.completeExceptionally(t); }
          @Override public void onCompleted() {
            answer.completeExceptionally(Status.INTERNAL.withDescription("stream ended without a result").asException());
          }
        });
    for (int i = 0; i < events.size(); i += STREAM_CHUNK) {
      requests.onNext(EventBatch.newBuilder()
          .addAllEvents(events.subList(i, Math.min(events.size(), i + STREAM_CHUNK))).build());
    }
    requests.onCompleted();
    try {
      return answer.get(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      throw failure(status, e.getCause());
    } catch (TimeoutException e) {
      throw new SendException("timeout", "no answer from " + target + " within " + deadline, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SendException("interrupted", "interrupted");
    }
  }

  private SendException failure(Status status, Throwable cause) {
    return new SendException("grpc " + status.getCode(),
        target + " answered " + status.getCode()
            + (status.getDescription() == null ? "" : ": " + status.getDescription()), cause);
  }

  @Override
  public void close() {
    if (owned != null) {
      owned.shutdown();
      try {
        if (!owned.awaitTermination(5, TimeUnit.SECONDS)) {
          owned.shutdownNow();
        }
      } catch (InterruptedException e) {
        owned.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
