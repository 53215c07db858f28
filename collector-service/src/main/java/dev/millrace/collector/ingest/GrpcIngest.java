package dev.millrace.collector.ingest;

import dev.millrace.collector.config.CollectorProperties.Limits;
import dev.millrace.collector.sink.SinkUnavailableException;
import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.collector.validate.EventValidator;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.CollectorServiceGrpc;
import dev.millrace.proto.v1.EventBatch;
import dev.millrace.proto.v1.Transport;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The gRPC edge: {@code CollectorService}. Status codes: INVALID_ARGUMENT for an empty batch,
 * UNAUTHENTICATED (by {@link GrpcAuth}), RESOURCE_EXHAUSTED for a batch or stream over its event
 * limit (gRPC itself answers it for a message over the size limit), UNAVAILABLE when Kafka cannot
 * take the events. OK is answered only once every record of the call is acknowledged.
 */
public final class GrpcIngest extends CollectorServiceGrpc.CollectorServiceImplBase {

  private static final Status UNDECODABLE = Status.INVALID_ARGUMENT.withDescription(
      "the message is not a valid EventBatch: it does not decode as Protobuf");

  private final EventValidator validator;
  private final Ingestion ingestion;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final Limits limits;

  public GrpcIngest(EventValidator validator, Ingestion ingestion, IngestMetrics metrics, Clock clock) {
    this.validator = validator;
    this.ingestion = ingestion;
    this.metrics = metrics;
    this.clock = clock;
    this.limits = validator.limits();
  }

  @Override
  public void sendBatch(EventBatch request, StreamObserver<BatchResult> responses) {
    long started = System.nanoTime();
    Call call = new Call(responses, started);
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
    call.add(request);
    call.finish();
  }

  @Override
  public StreamObserver<EventBatch> sendStream(StreamObserver<BatchResult> responses) {
    Call call = new Call(responses, System.nanoTime());
    return new StreamObserver<>() {
      @Override
      public void onNext(EventBatch batch) {
        if (call.failed) {
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
      }

      @Override
      public void onError(Throwable t) {
        // The client cancelled: there is nobody to answer. Records already sent may land; the
        // client did not get OK, so it resends, and downstream deduplicates by event id.
        call.failed = true;
      }

      @Override
      public void onCompleted() {
        call.finish();
      }
    };
  }

  /** One call's state; gRPC delivers a call's messages one at a time, so no locking is needed. */
  private final class Call {
    final StreamObserver<BatchResult> responses;
    final long started;
    final String requestId = UUID.randomUUID().toString();
    final RequestInfo info;
    final List<CompletableFuture<Ingestion.Prepared>> parts = new ArrayList<>();
    int nextIndex;
    volatile boolean failed;

    Call(StreamObserver<BatchResult> responses, long started) {
      this.responses = responses;
      this.started = started;
      String keyId = GrpcAuth.WRITE_KEY_ID.get();
      String clientIp = GrpcAuth.CLIENT_IP.get();
      this.info = new RequestInfo(requestId, clock.instant(), clientIp == null ? "" : clientIp,
          keyId == null ? "" : keyId, Transport.TRANSPORT_GRPC);
    }

    void add(EventBatch batch) {
      List<CheckedEvent> checked = new ArrayList<>(batch.getEventsCount());
      for (int i = 0; i < batch.getEventsCount(); i++) {
        checked.add(validator.checkProto(batch.getEvents(i), nextIndex + i));
      }
      nextIndex += batch.getEventsCount();
      try {
        parts.add(ingestion.send(ingestion.prepare(info, checked), Transport.TRANSPORT_GRPC));
      } catch (SinkUnavailableException e) {
        fail(Status.UNAVAILABLE.withDescription(e.getMessage()), "unavailable");
      }
    }

    void finish() {
      if (failed) {
        return;
      }
      CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
        if (e != null) {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          fail(Status.UNAVAILABLE.withDescription(cause instanceof SinkUnavailableException
              ? cause.getMessage() : "Kafka did not acknowledge the call"), "unavailable");
          return;
        }
        List<Ingestion.Prepared> done = parts.stream().map(CompletableFuture::join).toList();
        try {
          responses.onNext(Ingestion.result(requestId, done));
          responses.onCompleted();
        } catch (StatusRuntimeException cancelled) {
          // the client went away while we waited for Kafka
        }
        record("ok");
      });
    }

    void fail(Status status, String outcome) {
      if (failed) {
        return;
      }
      failed = true;
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
