package dev.millrace.enricher;

import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichError;
import dev.millrace.proto.v1.EnrichErrorCode;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichRequest;
import dev.millrace.proto.v1.EnrichResponse;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.Enrichment;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The network edge for unit tests: an in-process EnrichmentService that pseudonymises in a visible
 * way, fails items whose user agent says so, and can be switched to UNAVAILABLE.
 */
public final class FakeEnrichmentService extends EnrichmentServiceGrpc.EnrichmentServiceImplBase
    implements AutoCloseable {

  public static final String FAILING_USER_AGENT = "enrichment-fails/1.0";

  public final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
  public final AtomicInteger calls = new AtomicInteger();
  public volatile boolean unavailable;
  /** Calls that fail with UNAVAILABLE before the service answers again (for retry tests). */
  public final AtomicInteger failNext = new AtomicInteger();
  /** While set, calls are held unanswered (on the network, to the caller) until {@link #release}. */
  public volatile boolean hold;
  private final List<Runnable> held = new CopyOnWriteArrayList<>();

  private final String name = InProcessServerBuilder.generateName();
  private final Server server;

  public FakeEnrichmentService() {
    try {
      server = InProcessServerBuilder.forName(name).directExecutor().addService(this).build().start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public ManagedChannel channel(Map<String, ?> serviceConfig) {
    InProcessChannelBuilder b = InProcessChannelBuilder.forName(name).directExecutor();
    if (serviceConfig != null) {
      b.defaultServiceConfig(serviceConfig).enableRetry();
    }
    return b.build();
  }

  public static String pseudonym(String value) {
    return "pseudo-" + Integer.toHexString(value.hashCode());
  }

  public static String pseudonymizedPayload(String payloadJson) {
    return payloadJson.replaceAll("[A-Za-z0-9._-]+@[A-Za-z0-9.-]+", "pseudo-email");
  }

  /** Calls held unanswered so far. */
  public int held() {
    return held.size();
  }

  /** Answers the held calls, oldest first, as the service would answer them now. */
  public void release() {
    List<Runnable> answers = List.copyOf(held);
    held.clear();
    answers.forEach(Runnable::run);
  }

  @Override
  public void enrich(EnrichRequest request, StreamObserver<EnrichResponse> responses) {
    calls.incrementAndGet();
    if (hold) {
      held.add(() -> answer(request, responses));
      return;
    }
    answer(request, responses);
  }

  private void answer(EnrichRequest request, StreamObserver<EnrichResponse> responses) {
    if (unavailable || failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      responses.onError(Status.UNAVAILABLE.withDescription("fake is down").asRuntimeException());
      return;
    }
    batchSizes.add(request.getItemsCount());
    EnrichResponse.Builder out = EnrichResponse.newBuilder();
    for (EnrichItem item : request.getItemsList()) {
      EnrichResult.Builder r = EnrichResult.newBuilder().setItemId(item.getItemId());
      if (FAILING_USER_AGENT.equals(item.getContext().getUserAgent())) {
        r.setError(EnrichError.newBuilder().setCode(EnrichErrorCode.ENRICH_ERROR_CODE_INVALID_INPUT)
            .setEnrichment("user_agent").setMessage("cannot parse the user agent"));
      } else {
        Context c = item.getContext();
        r.setEnrichment(Enrichment.newBuilder().setAnonymizedIp("203.0.113.0").setEnrichmentVersion("fake-1")
                .addApplied("pii"))
            .setPseudonymizedContext(pseudonymized(c))
            .setPseudonymizedPayloadJson(pseudonymizedPayload(item.getPayloadJson()))
            .setAnonymizedClientIp("198.51.100.0");
      }
      out.addResults(r);
    }
    responses.onNext(out.build());
    responses.onCompleted();
  }

  /** The context as the fake answers it: ids pseudonymised (the anonymous id only when set), IP cut. */
  private static Context pseudonymized(Context c) {
    Context.Builder b = c.toBuilder().setUserId(pseudonym(c.getUserId())).setIp("203.0.113.0");
    if (!c.getAnonymousId().isEmpty()) {
      b.setAnonymousId(pseudonym(c.getAnonymousId()));
    }
    return b.build();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
