package dev.millrace.enricher.enrich;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.millrace.proto.v1.EnrichErrorCode;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import dev.millrace.proto.views.EnrichErrorBytes;
import dev.millrace.proto.views.EnrichItemBytes;
import dev.millrace.proto.views.EnrichRequestBytes;
import dev.millrace.proto.views.EnrichResponseBytes;
import dev.millrace.proto.views.EnrichResultBytes;
import dev.millrace.proto.views.Utf8Check;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
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
 *
 * <p>It calls {@code millrace.v1.EnrichmentService/Enrich} with the byte views of its request and
 * response: what goes on the wire is the same, but no string is decoded or encoded on the way.
 * Each result's strings are checked for UTF-8 as they arrive, as the generated stub's parser would.
 */
public final class EnrichmentClient implements Enricher {

  /**
   * Whole-call failures caused by what we sent: the batch is answered item by item as failed
   * (dead letter ENRICHMENT_FAILED). Every other status says nothing about the data (down, slow,
   * overloaded, misconfigured, or an unknown fault), so the batch is kept and tried again.
   */
  private static final Set<Status.Code> CAUSED_BY_INPUT = Set.of(
      Status.Code.INVALID_ARGUMENT, Status.Code.OUT_OF_RANGE, Status.Code.FAILED_PRECONDITION);

  /** The service's Enrich method, marshalled as byte views. */
  static final MethodDescriptor<EnrichRequestBytes, EnrichResponseBytes> ENRICH =
      MethodDescriptor.<EnrichRequestBytes, EnrichResponseBytes>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(EnrichmentServiceGrpc.getEnrichMethod().getFullMethodName())
          .setRequestMarshaller(ProtoUtils.marshaller(EnrichRequestBytes.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(EnrichResponseBytes.getDefaultInstance()))
          .build();

  private final Channel channel;
  private final Duration deadline;

  public EnrichmentClient(Channel channel, Duration deadline) {
    this.channel = channel;
    this.deadline = deadline;
  }

  @Override
  public CompletableFuture<List<EnrichResultBytes>> enrich(List<EnrichItemBytes> items) {
    if (items.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    CompletableFuture<List<EnrichResultBytes>> result = new CompletableFuture<>();
    ListenableFuture<EnrichResponseBytes> call = ClientCalls.futureUnaryCall(
        channel.newCall(ENRICH, CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)),
        EnrichRequestBytes.newBuilder().addAllItems(items).build());
    Futures.addCallback(call, new FutureCallback<>() {
      @Override
      public void onSuccess(EnrichResponseBytes response) {
        try {
          result.complete(inItemOrder(items, response.getResultsList()));
        } catch (RuntimeException | StackOverflowError e) {
          // Thrown here it would be lost in gRPC's executor and the call would never complete; the
          // caller sends the batch's records one per call and dead-letters the one that fails.
          result.completeExceptionally(e);
        }
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

  /**
   * Matches results to items by id, so a short or reordered answer cannot shift results; a result
   * that is not valid UTF-8 fails its item (its bytes would make an enriched event no reader parses).
   */
  private static List<EnrichResultBytes> inItemOrder(List<EnrichItemBytes> items, List<EnrichResultBytes> results) {
    Map<ByteString, EnrichResultBytes> byId = new HashMap<>(results.size() * 2);
    for (EnrichResultBytes r : results) {
      byId.putIfAbsent(r.getItemId(), r);
    }
    List<EnrichResultBytes> ordered = new ArrayList<>(items.size());
    for (EnrichItemBytes item : items) {
      EnrichResultBytes r = byId.get(item.getItemId());
      if (r == null) {
        r = failed(item.getItemId(), "the enrichment API returned no result for the item");
      } else if (!Utf8Check.isValid(r)) {
        r = failed(item.getItemId(), "the enrichment API returned a result that is not valid UTF-8");
      }
      ordered.add(r);
    }
    return ordered;
  }

  private static List<EnrichResultBytes> failAll(List<EnrichItemBytes> items, String message) {
    return items.stream().map(i -> failed(i.getItemId(), message)).toList();
  }

  static EnrichResultBytes failed(ByteString itemId, String message) {
    return EnrichResultBytes.newBuilder()
        .setItemId(itemId)
        .setError(EnrichErrorBytes.newBuilder()
            .setCode(EnrichErrorCode.ENRICH_ERROR_CODE_INTERNAL)
            .setMessage(ByteString.copyFromUtf8(message)))
        .build();
  }
}
