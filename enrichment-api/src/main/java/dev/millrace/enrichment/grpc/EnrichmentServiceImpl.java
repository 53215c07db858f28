package dev.millrace.enrichment.grpc;

import com.google.protobuf.ByteString;
import dev.millrace.enrichment.EnrichmentMetrics;
import dev.millrace.enrichment.EnrichmentMetrics.CallOutcome;
import dev.millrace.enrichment.Enrichments;
import dev.millrace.enrichment.ItemEnricher;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichError;
import dev.millrace.proto.v1.EnrichErrorCode;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResponse;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import dev.millrace.proto.views.ContextBytes;
import dev.millrace.proto.views.EnrichItemBytes;
import dev.millrace.proto.views.EnrichRequestBytes;
import dev.millrace.proto.views.Utf8Check;
import io.grpc.BindableService;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * {@code millrace.v1.EnrichmentService}: one result per item, in request order. An item's failure
 * is that item's error; the call fails only when the request as a whole is refused (too many
 * items) or the caller gave up, in which case work stops at the next item.
 *
 * <p>The method reads its request as a byte view ({@code dev.millrace.proto.views}: the same wire
 * format, strings as {@code bytes}). Each item is checked for UTF-8 as a {@code millrace.v1} parser
 * would, and one that fails is that item's {@code INVALID_INPUT} error rather than the whole call's
 * (only an id that is not UTF-8 refuses the call: it cannot be echoed). The enrichments get the
 * item as a {@code millrace.v1.EnrichItem}; in the answer, every string they did not change (the
 * user agent, URLs, locale, most payloads) is set as the bytes it arrived as, which the message
 * writes without encoding them again: encoding the echoed context and payload was a quarter of the
 * server's time.
 */
public final class EnrichmentServiceImpl implements BindableService {

  /** {@code Enrich} on the wire: the v1 method, its request read as a byte view. */
  public static final MethodDescriptor<EnrichRequestBytes, EnrichResponse> ENRICH =
      MethodDescriptor.<EnrichRequestBytes, EnrichResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(EnrichmentServiceGrpc.getEnrichMethod().getFullMethodName())
          .setRequestMarshaller(ProtoUtils.marshaller(EnrichRequestBytes.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(EnrichResponse.getDefaultInstance()))
          .setSampledToLocalTracing(true)
          .build();

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
  public ServerServiceDefinition bindService() {
    ServiceDescriptor v1 = EnrichmentServiceGrpc.getServiceDescriptor();
    // The v1 schema descriptor, so that reflection describes the service in millrace.v1 terms.
    ServiceDescriptor service = ServiceDescriptor.newBuilder(v1.getName())
        .setSchemaDescriptor(v1.getSchemaDescriptor())
        .addMethod(ENRICH)
        .build();
    return ServerServiceDefinition.builder(service)
        .addMethod(ENRICH, ServerCalls.asyncUnaryCall(this::enrich))
        .build();
  }

  /** Enriches every item of {@code request} and answers once. */
  public void enrich(EnrichRequestBytes request, StreamObserver<EnrichResponse> responseObserver) {
    long start = System.nanoTime();
    int count = request.getItemsCount();
    if (count > maxBatchItems) {
      metrics.recordCall(CallOutcome.INVALID_ARGUMENT, count, System.nanoTime() - start);
      responseObserver.onError(Status.INVALID_ARGUMENT
          .withDescription("a request carries at most " + maxBatchItems + " items, this one " + count)
          .asRuntimeException());
      return;
    }
    for (int i = 0; i < count; i++) {
      // An answer cannot echo an id that is not UTF-8: no millrace.v1 reader could parse it.
      if (!request.getItems(i).getItemId().isValidUtf8()) {
        metrics.recordCall(CallOutcome.INVALID_ARGUMENT, count, System.nanoTime() - start);
        responseObserver.onError(Status.INVALID_ARGUMENT
            .withDescription("the id of item " + i + " is not valid UTF-8").asRuntimeException());
        return;
      }
    }
    io.grpc.Context context = io.grpc.Context.current();
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
      response.addResults(enrich(request.getItems(i)));
    }
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
    metrics.recordCall(CallOutcome.OK, count, System.nanoTime() - start);
  }

  private EnrichResult enrich(EnrichItemBytes item) {
    if (!Utf8Check.isValid(item)) {
      metrics.recordRefusedItem("not_utf8");
      return error(item, EnrichErrorCode.ENRICH_ERROR_CODE_INVALID_INPUT, "input",
          "the item has a string that is not valid UTF-8");
    }
    Item in = Item.of(item);
    EnrichResult result;
    try {
      result = enricher.enrich(in.message());
    } catch (RuntimeException e) {
      // ItemEnricher answers failures as results; this guards the batch against one that throws.
      return error(item, EnrichErrorCode.ENRICH_ERROR_CODE_INTERNAL, "",
          "internal error: " + e.getClass().getSimpleName());
    }
    return in.answer(result);
  }

  private static EnrichResult error(EnrichItemBytes item, EnrichErrorCode code, String enrichment,
                                    String message) {
    return EnrichResult.newBuilder().setItemIdBytes(item.getItemId())
        .setError(EnrichError.newBuilder().setCode(code).setEnrichment(enrichment).setMessage(message))
        .build();
  }

  /**
   * An item as the enrichments see it, decoded from its view, and the way back: a string of the
   * result that is the very string decoded from the item (the enrichments pass unchanged values
   * through as they are) is answered with the item's bytes, which the message writes as they are.
   */
  private record Item(EnrichItemBytes view, EnrichItem message) {

    static Item of(EnrichItemBytes view) {
      ContextBytes c = view.getContext();
      EnrichItem.Builder item = EnrichItem.newBuilder()
          .setItemId(view.getItemId().toStringUtf8())
          .setEventType(view.getEventType().toStringUtf8())
          .setClientIp(view.getClientIp().toStringUtf8())
          .setPayloadJson(view.getPayloadJson().toStringUtf8());
      if (view.hasContext()) {
        item.setContext(Context.newBuilder()
            .setUserAgent(c.getUserAgent().toStringUtf8())
            .setIp(c.getIp().toStringUtf8())
            .setPageUrl(c.getPageUrl().toStringUtf8())
            .setReferrer(c.getReferrer().toStringUtf8())
            .setUserId(c.getUserId().toStringUtf8())
            .setAnonymousId(c.getAnonymousId().toStringUtf8())
            .setLocale(c.getLocale().toStringUtf8()));
      }
      return new Item(view, item.build());
    }

    EnrichResult answer(EnrichResult result) {
      EnrichResult.Builder out = result.toBuilder()
          .setItemIdBytes(same(result.getItemId(), message.getItemId(), view.getItemId()))
          .setPseudonymizedPayloadJsonBytes(same(result.getPseudonymizedPayloadJson(), message.getPayloadJson(),
              view.getPayloadJson()))
          .setAnonymizedClientIpBytes(same(result.getAnonymizedClientIp(), message.getClientIp(), view.getClientIp()));
      if (result.hasPseudonymizedContext()) {
        Context r = result.getPseudonymizedContext();
        Context m = message.getContext();
        ContextBytes v = view.getContext();
        out.setPseudonymizedContext(Context.newBuilder()
            .setUserAgentBytes(same(r.getUserAgent(), m.getUserAgent(), v.getUserAgent()))
            .setIpBytes(same(r.getIp(), m.getIp(), v.getIp()))
            .setPageUrlBytes(same(r.getPageUrl(), m.getPageUrl(), v.getPageUrl()))
            .setReferrerBytes(same(r.getReferrer(), m.getReferrer(), v.getReferrer()))
            .setUserIdBytes(same(r.getUserId(), m.getUserId(), v.getUserId()))
            .setAnonymousIdBytes(same(r.getAnonymousId(), m.getAnonymousId(), v.getAnonymousId()))
            .setLocaleBytes(same(r.getLocale(), m.getLocale(), v.getLocale()))
            // Fields this version does not know are answered as they came.
            .setUnknownFields(v.getUnknownFields()));
      }
      return out.build();
    }

    private static ByteString same(String answered, String decoded, ByteString original) {
      return answered == decoded ? original : ByteString.copyFromUtf8(answered);
    }
  }
}
