package dev.millrace.enrichment.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.millrace.enrichment.Enrichments;
import dev.millrace.enrichment.EnrichmentMetrics.CallOutcome;
import dev.millrace.enrichment.Items;
import dev.millrace.enrichment.ItemEnricher;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.useragent.SharedParser;
import dev.millrace.proto.v1.EnrichErrorCode;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichRequest;
import dev.millrace.proto.v1.EnrichResponse;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import dev.millrace.proto.views.EnrichRequestBytes;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EnrichmentServiceImplTest {

  private static final EnrichmentConfig CONFIG =
      EnrichmentConfig.builder().piiKey("service-test-key-0123456789abcdefgh", "$.email").build();

  private final Enrichments enrichments =
      Enrichments.create(CONFIG, new SimpleMeterRegistry(), SharedParser.get());
  private final String name = InProcessServerBuilder.generateName();
  private final ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  private final EnrichmentServiceGrpc.EnrichmentServiceBlockingStub stub =
      EnrichmentServiceGrpc.newBlockingStub(channel);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  // Two threads: the cancel is delivered on the server executor while the handler holds one.
  private final ExecutorService serverThread = Executors.newFixedThreadPool(2);
  private Server server;
  private EnrichmentServer enrichmentServer;

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    if (server != null) {
      server.shutdownNow();
    }
    if (enrichmentServer != null) {
      enrichmentServer.close();
    }
    scheduler.shutdownNow();
    serverThread.shutdownNow();
  }

  private void serve(ItemEnricher enricher, ServerInterceptor... interceptors) throws Exception {
    EnrichmentServiceImpl service = new EnrichmentServiceImpl(enricher, enrichments.metrics(), 1000);
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service, interceptors)).build().start();
  }

  private void serveOnItsOwnThread(ItemEnricher enricher) throws Exception {
    EnrichmentServiceImpl service = new EnrichmentServiceImpl(enricher, enrichments.metrics(), 1000);
    server = InProcessServerBuilder.forName(name).executor(serverThread).addService(service).build().start();
  }

  private static EnrichRequest batch(int size) {
    EnrichRequest.Builder request = EnrichRequest.newBuilder();
    IntStream.range(0, size).forEach(i -> request.addItems(Items.pageView("item-" + i)));
    return request.build();
  }

  @Test
  void answersEveryItemInRequestOrder() throws Exception {
    serve(enrichments);

    EnrichResponse response = stub.enrich(batch(50));

    assertThat(response.getResultsList()).extracting(EnrichResult::getItemId)
        .containsExactlyElementsOf(IntStream.range(0, 50).mapToObj(i -> "item-" + i).toList());
    assertThat(response.getResultsList()).allSatisfy(r -> assertThat(r.hasEnrichment()).isTrue());
  }

  @Test
  void aBadItemFailsAloneAndTheBatchSucceeds() throws Exception {
    serve(enrichments);
    EnrichRequest request = batch(3).toBuilder()
        .setItems(1, Items.pageView("bad").toBuilder().setPayloadJson("not json")).build();

    EnrichResponse response = stub.enrich(request);

    assertThat(response.getResultsList()).extracting(EnrichResult::getItemId)
        .containsExactly("item-0", "bad", "item-2");
    assertThat(response.getResults(0).hasEnrichment()).isTrue();
    assertThat(response.getResults(1).getError().getEnrichment()).isEqualTo("pii");
    assertThat(response.getResults(2).hasEnrichment()).isTrue();
  }

  @Test
  void anEnricherThatThrowsFailsOnlyThatItem() throws Exception {
    serve(item -> {
      if (item.getItemId().equals("item-1")) {
        throw new IllegalStateException("a bug that quotes " + item.getContext().getUserId());
      }
      return enrichments.enrich(item);
    });

    EnrichResponse response = stub.enrich(batch(3));

    assertThat(response.getResults(1).getError().getMessage())
        .isEqualTo("internal error: IllegalStateException").doesNotContain("user-42");
    assertThat(response.getResults(2).hasEnrichment()).isTrue();
  }

  @Test
  void theAnswerIsWhatTheEnrichmentsGiveForEachItem() throws Exception {
    serve(enrichments);
    // The server reads items as byte views and answers unchanged strings with the bytes they came
    // as: what a millrace.v1 client reads back must be exactly the enrichments' own results.
    Random random = new Random(11);
    String[] agents = {Items.CHROME_WINDOWS, "", "curl/8.5.0", "Mozilla/5.0 (compatible; Googlebot/2.1)",
        "Ünïcødé-Agent/1.0 🚀", "x".repeat(300)};
    String[] ips = {"", "203.0.113.9", "2001:db8::1", "not an ip", "10.1.2.3"};
    String[] urls = {"", "https://shop.example/?utm_source=news&utm_medium=email", "https://ex.example/ä?q=ü",
        "::not a url::"};
    String[] ids = {"", "user-42", "ユーザー", "u".repeat(100)};
    String[] payloads = {"{}", "{\"email\":\"a@b.example\"}", "{\"method\":\"email\",\"n\":1E+400}",
        "{\"email\":{\"x\":1}}", "not json", "[1]", "{\"em\\u0061il\":\"é@b.example\"}", ""};
    EnrichRequest.Builder request = EnrichRequest.newBuilder();
    for (int i = 0; i < 400; i++) {
      EnrichItem.Builder item = EnrichItem.newBuilder()
          .setItemId("item-" + i)
          .setEventType(random.nextBoolean() ? "signup" : "page_view")
          .setClientIp(ips[random.nextInt(ips.length)])
          .setPayloadJson(payloads[random.nextInt(payloads.length)]);
      if (random.nextInt(8) > 0) {
        dev.millrace.proto.v1.Context.Builder context = dev.millrace.proto.v1.Context.newBuilder()
            .setUserAgent(agents[random.nextInt(agents.length)])
            .setIp(ips[random.nextInt(ips.length)])
            .setPageUrl(urls[random.nextInt(urls.length)])
            .setReferrer(urls[random.nextInt(urls.length)])
            .setUserId(ids[random.nextInt(ids.length)])
            .setAnonymousId(ids[random.nextInt(ids.length)])
            .setLocale(random.nextBoolean() ? "en-GB" : "");
        if (random.nextInt(4) == 0) {
          // A field from a later version of the contract: echoed in the answer's context.
          context.setUnknownFields(UnknownFieldSet.newBuilder()
              .addField(99, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("later")).build())
              .build());
        }
        item.setContext(context);
      }
      request.addItems(item);
    }

    EnrichResponse response = stub.enrich(request.build());

    EnrichResponse.Builder expected = EnrichResponse.newBuilder();
    request.getItemsList().forEach(item -> expected.addResults(enrichments.enrich(item)));
    assertThat(response).isEqualTo(expected.build());
    assertThat(response.getResultsList()).anySatisfy(r -> assertThat(r.hasError()).isTrue())
        .anySatisfy(r -> assertThat(r.getPseudonymizedPayloadJson()).contains("\"email\":\""))
        .anySatisfy(r -> assertThat(r.getPseudonymizedContext().getUnknownFields().hasField(99)).isTrue());
  }

  @Test
  void anItemThatIsNotUtf8FailsAloneAndAnIdThatIsNotRefusesTheCall() throws Exception {
    serve(enrichments);
    ByteString notUtf8 = ByteString.copyFrom(new byte[] {'a', (byte) 0xC3});
    EnrichRequestBytes.Builder request = EnrichRequestBytes.parseFrom(batch(3).toByteString()).toBuilder();
    request.getItemsBuilder(1).getContextBuilder().setUserAgent(notUtf8);

    EnrichResponse response = ClientCalls.blockingUnaryCall(channel, EnrichmentServiceImpl.ENRICH,
        CallOptions.DEFAULT, request.build());

    assertThat(response.getResultsList()).extracting(EnrichResult::getItemId)
        .containsExactly("item-0", "item-1", "item-2");
    assertThat(response.getResults(1).getError().getCode()).isEqualTo(EnrichErrorCode.ENRICH_ERROR_CODE_INVALID_INPUT);
    assertThat(response.getResults(1).getError().getEnrichment()).isEqualTo("input");
    assertThat(response.getResults(0).hasEnrichment()).isTrue();
    assertThat(response.getResults(2).hasEnrichment()).isTrue();

    request.getItemsBuilder(2).setItemId(notUtf8);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, EnrichmentServiceImpl.ENRICH,
        CallOptions.DEFAULT, request.build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("the id of item 2 is not valid UTF-8");
  }

  @Test
  void anEmptyBatchGetsAnEmptyAnswer() throws Exception {
    serve(enrichments);

    assertThat(stub.enrich(EnrichRequest.getDefaultInstance()).getResultsCount()).isZero();
  }

  @Test
  void aBatchOverTheLimitIsRefusedWhole() throws Exception {
    serve(enrichments);

    assertThatThrownBy(() -> stub.enrich(batch(1001)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("a request carries at most 1000 items, this one 1001");
        });
  }

  @Test
  void workStopsWhenTheCallerCancels() throws Exception {
    Context.CancellableContext caller = Context.current().withCancellation();
    AtomicInteger enriched = new AtomicInteger();
    // The cancel travels to the server's thread; the third item waits for it to arrive, so that
    // the check before the fourth sees it.
    serveOnItsOwnThread(item -> {
      if (enriched.incrementAndGet() == 3) {
        CountDownLatch arrived = new CountDownLatch(1);
        Context.current().addListener(c -> arrived.countDown(), Runnable::run);
        caller.cancel(null);
        try {
          assertThat(arrived.await(10, TimeUnit.SECONDS)).as("cancel reached the server").isTrue();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
      return enrichments.enrich(item);
    });

    assertThatThrownBy(() -> caller.call(() -> stub.enrich(batch(100))))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
    serverThread.shutdown();
    assertThat(serverThread.awaitTermination(10, TimeUnit.SECONDS)).as("the handler returned").isTrue();
    assertThat(enriched.get()).as("items enriched, the cancel came during the third").isEqualTo(3);
    assertThat(enrichments.metrics().calls(CallOutcome.CANCELLED)).isEqualTo(1.0);
  }

  @Test
  void workStopsWhenTheDeadlinePasses() throws Exception {
    FakeTicker ticker = new FakeTicker();
    // The server's view of the caller's deadline, on a clock the test moves.
    ServerInterceptor deadline = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                         ServerCallHandler<Q, R> next) {
        Context context = Context.current().withDeadline(Deadline.after(1, TimeUnit.HOURS, ticker), scheduler);
        return Contexts.interceptCall(context, call, headers, next);
      }
    };
    AtomicInteger enriched = new AtomicInteger();
    serve(item -> {
      if (enriched.incrementAndGet() == 5) {
        ticker.advance(TimeUnit.HOURS.toNanos(2));
      }
      return enrichments.enrich(item);
    }, deadline);

    assertThatThrownBy(() -> stub.enrich(batch(100)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("stopped after 5 of 100 items: the caller deadline passed");
        });
    assertThat(enriched.get()).isEqualTo(5);
  }

  @Test
  void theServerReportsHealthAndStopsServingOnClose() throws Exception {
    enrichmentServer = EnrichmentServer.start(InProcessServerBuilder.forName(name).directExecutor(),
        CONFIG, enrichments);
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

    assertThat(health.check(HealthCheckRequest.newBuilder()
        .setService(EnrichmentServiceGrpc.SERVICE_NAME).build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(stub.enrich(batch(2)).getResultsCount()).isEqualTo(2);

    enrichmentServer.close();
    enrichmentServer = null;

    assertThatThrownBy(() -> stub.enrich(batch(1)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  static final class FakeTicker extends Deadline.Ticker {
    private final AtomicLong nanos = new AtomicLong();

    @Override
    public long nanoTime() {
      return nanos.get();
    }

    void advance(long delta) {
      nanos.addAndGet(delta);
    }
  }
}
