package dev.millrace.enrichment.grpc;

import dev.millrace.enrichment.EnrichmentMetrics;
import dev.millrace.enrichment.EnrichmentMetrics.CallOutcome;
import dev.millrace.enrichment.Enrichments;
import dev.millrace.enrichment.ItemEnricher;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.proto.v1.EnrichError;
import dev.millrace.proto.v1.EnrichErrorCode;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichRequest;
import dev.millrace.proto.v1.EnrichResponse;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * {@code millrace.v1.EnrichmentService}: one result per item, in request order. An item's failure
 * is that item's error; the call fails only when the request as a whole is refused (too many
 * items) or the caller gave up, in which case work stops at the next item.
 */
public final class EnrichmentServiceImpl extends EnrichmentServiceGrpc.EnrichmentServiceImplBase {

  private final ItemEnricher enricher;
  private final EnrichmentMetrics metrics;
  private final int maxBatchItems;

  public EnrichmentServiceImpl(ItemEnricher enricher, EnrichmentMetrics metrics, int maxBatchItems) {
    this.enricher = enricher;
    this.metrics = metrics;
    this.maxBatchItems = maxBatchItems;
  }

  /** The service over {@link Enrichments} built from {@code config}, metrics into {@code registry}. */
  public static EnrichmentServiceImpl create(EnrichmentConfig config, MeterRegistry registry) {
    Enrichments enrichments = Enrichments.create(config, registry);
    return new EnrichmentServiceImpl(enrichments, enrichments.metrics(),
        config.grpc().maxBatchItems());
  }

  /** As {@link #create(EnrichmentConfig, MeterRegistry)}, with metrics kept in memory only. */
  public static EnrichmentServiceImpl create(EnrichmentConfig config) {
    return create(config, new SimpleMeterRegistry());
  }

  @Override
  public void enrich(EnrichRequest request, StreamObserver<EnrichResponse> responseObserver) {
    long start = System.nanoTime();
    int count = request.getItemsCount();
    if (count > maxBatchItems) {
      metrics.recordCall(CallOutcome.INVALID_ARGUMENT, count, System.nanoTime() - start);
      responseObserver.onError(Status.INVALID_ARGUMENT
          .withDescription("a request carries at most " + maxBatchItems + " items, this one " + count)
          .asRuntimeException());
      return;
    }
    Context context = Context.current();
    Deadline deadline = context.getDeadline();
    EnrichResponse.Builder response = EnrichResponse.newBuilder();
    for (int i = 0; i < count; i++) {
      // Checked between items: the caller that gave up will not read the answer, and the work
      // would only delay the calls that are still waiting.
      boolean expired = deadline != null && deadline.isExpired();
      if (expired || context.isCancelled()) {
        CallOutcome outcome = expired ? CallOutcome.DEADLINE_EXCEEDED : CallOutcome.CANCELLED;
        metrics.recordCall(outcome, i, System.nanoTime() - start);
        Status status = expired ? Status.DEADLINE_EXCEEDED : Status.CANCELLED;
        responseObserver.onError(status
            .withDescription("stopped after " + i + " of " + count + " items: the caller "
                + (expired ? "deadline passed" : "cancelled the call"))
            .asRuntimeException());
        return;
      }
      EnrichItem item = request.getItems(i);
      try {
        response.addResults(enricher.enrich(item));
      } catch (RuntimeException e) {
        // ItemEnricher answers failures as results; this guards the batch against one that throws.
        response.addResultsBuilder().setItemId(item.getItemId()).setError(EnrichError.newBuilder()
            .setCode(EnrichErrorCode.ENRICH_ERROR_CODE_INTERNAL)
            .setMessage("internal error: " + e.getClass().getSimpleName()));
      }
    }
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
    metrics.recordCall(CallOutcome.OK, count, System.nanoTime() - start);
  }
}
