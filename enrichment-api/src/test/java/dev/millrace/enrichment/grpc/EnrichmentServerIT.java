package dev.millrace.enrichment.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.enrichment.EnrichmentMetrics;
import dev.millrace.enrichment.EnrichmentMetrics.CallOutcome;
import dev.millrace.enrichment.Items;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.proto.v1.EnrichRequest;
import dev.millrace.proto.v1.EnrichResponse;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server over real Netty on a free loopback port, with the real enrichments. */
class EnrichmentServerIT {

  private static final AtomicInteger UNIQUE = new AtomicInteger();
  private static EnrichmentServer server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    EnrichmentConfig config = EnrichmentConfig.builder()
        .piiKey("server-it-key-0123456789abcdefghijkl", "$.email")
        .grpc(new EnrichmentConfig.Grpc(null, Duration.ofSeconds(30), 100_000, null, null))
        .build();
    server = EnrichmentServer.start(
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), config);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .maxInboundMessageSize(64 * 1024 * 1024).build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    if (server != null) {
      server.close();
    }
  }

  private static EnrichmentServiceGrpc.EnrichmentServiceBlockingStub stub() {
    return EnrichmentServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Items whose user agents the server has never seen, so each costs a full parse. */
  private static EnrichRequest unseenUserAgents(int size) {
    EnrichRequest.Builder request = EnrichRequest.newBuilder();
    for (int i = 0; i < size; i++) {
      int n = UNIQUE.incrementAndGet();
      request.addItems(Items.pageView("item-" + n).toBuilder().setContext(Items.pageView("x").getContext()
          .toBuilder().setUserAgent("Mozilla/5.0 (Linux; Android 14; SM-S9" + n + "B) AppleWebKit/537.36"
              + " (KHTML, like Gecko) Chrome/" + (100 + n % 30) + ".0." + n + ".0 Mobile Safari/537.36")));
    }
    return request.build();
  }

  private static EnrichmentMetrics metrics() {
    return server.enrichments().metrics();
  }

  private static double gaveUp() {
    return metrics().calls(CallOutcome.DEADLINE_EXCEEDED) + metrics().calls(CallOutcome.CANCELLED);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for %s; items %s, calls ok %s cancelled %s deadline %s",
          what, metrics().itemsAnswered(), metrics().calls(CallOutcome.OK),
          metrics().calls(CallOutcome.CANCELLED), metrics().calls(CallOutcome.DEADLINE_EXCEEDED))
          .isLessThan(until);
      Thread.sleep(10);
    }
  }

  @Test
  void enrichesABatchOverTheNetwork() {
    EnrichResponse response = stub().enrich(unseenUserAgents(20));

    assertThat(response.getResultsCount()).isEqualTo(20);
    assertThat(response.getResultsList()).allSatisfy(r -> {
      assertThat(r.getEnrichment().getUserAgent().getOsName()).isEqualTo("Android");
      assertThat(r.getPseudonymizedPayloadJson()).doesNotContain("alice@example.com");
    });
  }

  @Test
  void anExpiredDeadlineStopsTheServersWork() throws Exception {
    // Long enough for the request to arrive and work to start on a busy machine, far too short
    // for 50,000 parses of strings never seen before.
    int size = 50_000;
    double callsBefore = gaveUp();
    double itemsBefore = metrics().itemsAnswered();
    EnrichRequest request = unseenUserAgents(size);

    assertThatThrownBy(() -> EnrichmentServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS).enrich(request))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

    // The server's deadline is the client's as it arrived, a little later: the client's
    // RST_STREAM at its own deadline usually reaches the server first, as a cancellation.
    await("the server to give up", () -> gaveUp() > callsBefore);
    assertThat(metrics().itemsAnswered() - itemsBefore).as("items worked on").isGreaterThan(0)
        .isLessThan(size);
  }

  @Test
  void aCancelledCallStopsTheServersWork() throws Exception {
    int size = 8000;
    double callsBefore = metrics().calls(CallOutcome.CANCELLED);
    double itemsBefore = metrics().itemsAnswered();
    Context.CancellableContext caller = Context.current().withCancellation();
    CompletableFuture<Status> outcome = new CompletableFuture<>();
    EnrichRequest request = unseenUserAgents(size);

    caller.run(() -> EnrichmentServiceGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
        .enrich(request, new StreamObserver<>() {
          @Override
          public void onNext(EnrichResponse value) {}

          @Override
          public void onError(Throwable t) {
            outcome.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            outcome.complete(Status.OK);
          }
        }));
    await("the server to start on the batch", () -> metrics().itemsAnswered() > itemsBefore);
    caller.cancel(null);

    assertThat(outcome.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
    await("the server to give up", () -> metrics().calls(CallOutcome.CANCELLED) > callsBefore);
    assertThat(metrics().itemsAnswered() - itemsBefore).as("items worked on").isLessThan(size);
  }

  @Test
  void healthAndReflectionAreServed() throws Exception {
    HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(EnrichmentServiceGrpc.SERVICE_NAME).build());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    List<String> services = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse response) {
            response.getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName).forEach(services::add);
          }

          @Override
          public void onError(Throwable t) {
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(services).contains(EnrichmentServiceGrpc.SERVICE_NAME, "grpc.health.v1.Health");
  }
}
