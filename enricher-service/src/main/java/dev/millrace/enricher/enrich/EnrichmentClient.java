package dev.millrace.enricher.enrich;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.millrace.proto.v1.EnrichError;
import dev.millrace.proto.v1.EnrichErrorCode;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichRequest;
import dev.millrace.proto.v1.EnrichResponse;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The EnrichmentService client. It takes a {@link Channel} so tests can pass an in-process one;
 * retries of UNAVAILABLE belong to the channel's service config ({@link EnrichmentChannels}), and
 * every call carries a deadline that covers those retries.
 */
public final class EnrichmentClient implements Enricher {

  /**
   * Whole-call failures caused by what we sent: the batch is answered item by item as failed
   * (dead letter ENRICHMENT_FAILED). Every other status says nothing about the data (down, slow,
   * overloaded, misconfigured, or an unknown fault), so the batch is kept and tried again.
   */
  private static final Set<Status.Code> CAUSED_BY_INPUT = Set.of(
      Status.Code.INVALID_ARGUMENT, Status.Code.OUT_OF_RANGE, Status.Code.FAILED_PRECONDITION);

  private final Channel channel;
  private final EnrichmentServiceGrpc.EnrichmentServiceFutureStub stub;
  private final Duration deadline;

  public EnrichmentClient(Channel channel, Duration deadline) {
    this.channel = channel;
    this.stub = EnrichmentServiceGrpc.newFutureStub(channel);
    this.deadline = deadline;
  }

  @Override
  public CompletableFuture<List<EnrichResult>> enrich(List<EnrichItem> items) {
    if (items.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    CompletableFuture<List<EnrichResult>> result = new CompletableFuture<>();
    ListenableFuture<EnrichResponse> call = stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .enrich(EnrichRequest.newBuilder().addAllItems(items).build());
    Futures.addCallback(call, new FutureCallback<>() {
      @Override
      public void onSuccess(EnrichResponse response) {
        result.complete(inItemOrder(items, response.getResultsList()));
      }

      @Override
      public void onFailure(Throwable t) {
        Status status = Status.fromThrowable(t);
        if (CAUSED_BY_INPUT.contains(status.getCode())) {
          result.complete(failAll(items, "the enrichment API refused the batch: " + status.getCode()));
          return;
        }
        if (status.getCode() == Status.Code.UNAVAILABLE && channel instanceof ManagedChannel managed) {
          // The caller waits its own jittered backoff before the next call; without this the
          // channel's reconnect backoff (up to 2 minutes) would keep failing calls fast long after
          // the API is back.
          managed.resetConnectBackoff();
        }
        result.completeExceptionally(
            new EnrichmentUnavailableException("enrichment API call failed: " + status.getCode(), t));
      }
    }, MoreExecutors.directExecutor());
    return result;
  }

  /** Matches results to items by id, so a short or reordered answer cannot shift results. */
  private static List<EnrichResult> inItemOrder(List<EnrichItem> items, List<EnrichResult> results) {
    Map<String, EnrichResult> byId = new HashMap<>(results.size() * 2);
    for (EnrichResult r : results) {
      byId.putIfAbsent(r.getItemId(), r);
    }
    List<EnrichResult> ordered = new ArrayList<>(items.size());
    for (EnrichItem item : items) {
      EnrichResult r = byId.get(item.getItemId());
      ordered.add(r != null ? r : failed(item.getItemId(), "the enrichment API returned no result for the item"));
    }
    return ordered;
  }

  private static List<EnrichResult> failAll(List<EnrichItem> items, String message) {
    return items.stream().map(i -> failed(i.getItemId(), message)).toList();
  }

  static EnrichResult failed(String itemId, String message) {
    return EnrichResult.newBuilder()
        .setItemId(itemId)
        .setError(EnrichError.newBuilder()
            .setCode(EnrichErrorCode.ENRICH_ERROR_CODE_INTERNAL)
            .setMessage(message))
        .build();
  }
}
