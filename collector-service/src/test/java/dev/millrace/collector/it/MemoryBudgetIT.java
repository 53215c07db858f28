package dev.millrace.collector.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.collector.CollectorApplication;
import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.testing.GrpcEvents;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.CollectorServiceGrpc;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventBatch;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The memory budget on the real servers: Tomcat, Netty and a real broker. Past the budget REST
 * answers 503 and gRPC RESOURCE_EXHAUSTED; the budget is never exceeded and comes back to zero,
 * also when clients go away mid-request; and every event answered 200/OK is in Kafka.
 */
@ExtendWith(LocalStackExtension.class)
class MemoryBudgetIT {

  private static final long MAX_REQUEST = 256 * 1024;
  private static final long BUDGET = 6 * MAX_REQUEST;
  private static final String TOPICS = "memory-it-" + UUID.randomUUID().toString().substring(0, 8);
  private static CollectorApplication.Running collector;
  private static MemoryBudget budget;
  private static ManagedChannel channel;

  @BeforeAll
  static void start(KafkaServer kafka) {
    collector = ItSupport.collector(kafka, TOPICS, Map.of(
        "millrace.collector.limits.max-body-bytes", "256KB",
        "millrace.collector.limits.max-event-bytes", "8KB",
        "millrace.collector.grpc.max-inbound-message-bytes", "256KB",
        "millrace.collector.grpc.stream-window", "256KB",
        "millrace.collector.memory-budget", BUDGET + "B"));
    budget = collector.context().getBean(MemoryBudget.class);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", collector.grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (collector != null) {
      collector.close();
    }
  }

  @Test
  void pastTheBudgetRestIs503AndGrpcIsResourceExhaustedUntilRoomComesBack(KafkaServer kafka) throws Exception {
    // Each open stream reserves room for its next message (grpc assembles a whole one before the
    // collector sees it): six of them take the whole budget.
    List<StreamObserver<EventBatch>> open = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      open.add(grpc().sendStream(new GrpcEvents.Answer()));
    }
    waitFor(() -> budget.reservedBytes() == BUDGET, "six streams holding the budget");

    GrpcEvents.Answer seventh = new GrpcEvents.Answer();
    grpc().sendStream(seventh).onNext(batch(1, new HashSet<>()));
    GrpcEvents.Answer unary = new GrpcEvents.Answer();
    grpc().sendBatch(batch(1, new HashSet<>()), unary);
    HttpResponse<String> refused = ItSupport.post(collector, body(List.of(id())));

    assertResourceExhausted(seventh);
    assertResourceExhausted(unary);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(refused.body()).contains("memory budget");
    assertThat(budget.peakBytes()).isLessThanOrEqualTo(BUDGET);

    open.forEach(o -> ((ClientCallStreamObserver<EventBatch>) o).cancel("the client goes away", null));
    waitFor(() -> budget.reservedBytes() == 0, "cancelled streams giving their room back");

    String id = id();
    HttpResponse<String> ok = ItSupport.post(collector, body(List.of(id)));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ItSupport.read(kafka, TOPICS + ".raw", r -> r.key().equals(id), l -> !l.isEmpty(),
        Duration.ofSeconds(30))).hasSize(1);
    String metrics = ItSupport.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
        "http://127.0.0.1:" + collector.httpPort() + "/actuator/prometheus")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics)
        .contains("millrace_collector_memory_reserved_bytes")
        .contains("millrace_collector_memory_reserved_peak_bytes")
        .containsPattern("millrace_collector_memory_budget_bytes (1572864(\\.0)?|1\\.572864E6)\\s")
        .containsPattern("millrace_collector_memory_refusals_total\\{transport=\"rest\"} [1-9]")
        .containsPattern("millrace_collector_memory_refusals_total\\{transport=\"grpc\"} [1-9]");
  }

  @Test
  void aLongStreamOfManyTimesTheBudgetLandsWhole(KafkaServer kafka) throws Exception {
    Set<String> ids = new HashSet<>();
    BatchResult result = stream(60, ids).get(120, TimeUnit.SECONDS);

    assertThat(result.getAccepted()).isEqualTo(6000);
    List<ConsumerRecord<String, byte[]>> raw = ItSupport.read(kafka, TOPICS + ".raw", r -> ids.contains(r.key()),
        l -> l.size() >= ids.size(), Duration.ofSeconds(60));
    assertThat(raw.stream().mapToLong(r -> r.value().length).sum())
        .as("the stream's records are several times the budget").isGreaterThan(3 * BUDGET);
    assertThat(raw.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).isEqualTo(ids);
    assertThat(budget.peakBytes()).isLessThanOrEqualTo(BUDGET);
    waitFor(() -> budget.reservedBytes() == 0, "the stream giving everything back");
  }

  @Test
  void concurrentLargeGzipAndStreamingClientsStayWithinTheBudgetAndEvery2xxLands(KafkaServer kafka)
      throws Exception {
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    List<String> alone = new ArrayList<>();
    for (int e = 0; e < 200; e++) {
      alone.add(id());
    }
    // sent before the others: with the budget to itself it surely fits
    assertThat(ItSupport.post(collector, body(alone)).statusCode()).isEqualTo(200);
    acknowledged.addAll(alone);
    byte[] bomb = CollectorIT.gzip(" ".repeat(16 * 1024 * 1024) + "[]");
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<List<Integer>>> senders = new ArrayList<>();
    for (int t = 0; t < 5; t++) {
      int thread = t;
      senders.add(pool.submit(() -> {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          List<String> ids = new ArrayList<>();
          for (int e = 0; e < 200; e++) {
            ids.add(id());
          }
          byte[] body = body(ids);
          HttpResponse<String> r = switch ((thread + i) % 4) {
            case 0, 1 -> ItSupport.post(collector, body);
            case 2 -> ItSupport.post(collector, CollectorIT.gzip(new String(body, StandardCharsets.UTF_8)),
                "Content-Encoding", "gzip");
            default -> ItSupport.post(collector, bomb, "Content-Encoding", "gzip");
          };
          boolean isBomb = (thread + i) % 4 == 3;
          assertThat(r.statusCode()).isIn(isBomb ? List.of(413, 503) : List.of(200, 503));
          if (r.statusCode() == 503) {
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(r.body()).contains("\"status\":503");
          }
          if (r.statusCode() == 200 && !isBomb) {
            acknowledged.addAll(ids);
          }
          statuses.add(r.statusCode());
        }
        return statuses;
      }));
    }
    Set<String> streamIds = new HashSet<>();
    java.util.concurrent.CompletableFuture<BatchResult> streamed = stream(30, streamIds);
    List<Integer> statuses = new ArrayList<>();
    for (Future<List<Integer>> f : senders) {
      statuses.addAll(f.get(180, TimeUnit.SECONDS));
    }
    pool.shutdown();
    try {
      BatchResult r = streamed.get(120, TimeUnit.SECONDS);
      assertThat(r.getAccepted()).isEqualTo(3000);
      acknowledged.addAll(streamIds);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOfSatisfying(StatusRuntimeException.class,
          s -> assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    }

    assertThat(statuses).hasSize(40);
    assertThat(budget.peakBytes()).isLessThanOrEqualTo(BUDGET);
    waitFor(() -> budget.reservedBytes() == 0, "every request giving its bytes back");
    List<ConsumerRecord<String, byte[]>> raw = ItSupport.read(kafka, TOPICS + ".raw",
        r -> acknowledged.contains(r.key()), l -> l.size() >= acknowledged.size(), Duration.ofSeconds(90));
    assertThat(raw.stream().map(ConsumerRecord::key).collect(Collectors.toSet()))
        .as("every event answered 200/OK is in the raw topic").containsAll(acknowledged);
  }

  @Test
  void clientsThatGoAwayMidBodyOrSendAGzipBombGiveEverythingBack() throws Exception {
    byte[] body = body(java.util.Collections.nCopies(200, id()));
    for (boolean chunked : new boolean[] {false, true}) {
      try (Socket socket = new Socket("127.0.0.1", collector.httpPort())) {
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + WireNames.WRITE_KEY_HTTP_HEADER + ": " + ItSupport.WRITE_KEY + "\r\n"
            + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n")
            + "\r\n").getBytes(StandardCharsets.US_ASCII));
        if (chunked) {
          out.write((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        out.write(body, 0, body.length / 3);
        out.flush();
        waitFor(() -> budget.reservedBytes() > 0, "the collector reading the body");
      }
      waitFor(() -> budget.reservedBytes() == 0, "a cut-off request (chunked: " + chunked + ") giving its bytes back");
    }

    byte[] bomb = CollectorIT.gzip(" ".repeat(16 * 1024 * 1024) + "[]");
    assertThat(ItSupport.post(collector, bomb, "Content-Encoding", "gzip").statusCode()).isEqualTo(413);
    assertThat(budget.peakBytes()).isLessThanOrEqualTo(BUDGET);
    waitFor(() -> budget.reservedBytes() == 0, "the gzip bomb giving its bytes back");
  }

  /** A stream of {@code batches} messages of 100 events of about 1 KB, sent without waiting. */
  private static java.util.concurrent.CompletableFuture<BatchResult> stream(int batches, Set<String> ids) {
    GrpcEvents.Answer answer = new GrpcEvents.Answer();
    StreamObserver<EventBatch> requests = grpc().withDeadlineAfter(120, TimeUnit.SECONDS).sendStream(answer);
    for (int b = 0; b < batches; b++) {
      requests.onNext(batch(100, ids));
    }
    requests.onCompleted();
    return answer.result;
  }

  private static CollectorServiceGrpc.CollectorServiceStub grpc() {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of(WireNames.WRITE_KEY_GRPC_METADATA, Metadata.ASCII_STRING_MARSHALLER), ItSupport.WRITE_KEY);
    return CollectorServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static void assertResourceExhausted(GrpcEvents.Answer answer) {
    assertThatThrownBy(() -> answer.result.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getStatus().getDescription()).contains("memory budget");
        });
  }

  private static EventBatch batch(int events, Set<String> ids) {
    EventBatch.Builder b = EventBatch.newBuilder();
    for (int i = 0; i < events; i++) {
      String id = id();
      ids.add(id);
      b.addEvents(Event.newBuilder().setEventId(id).setEventType("app_open").setSchemaVersion("1-0-0")
          .setOccurredAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - 1))
          .setPayloadJson("{\"k\":\"" + "v".repeat(900) + "\"}"));
    }
    return b.build();
  }

  private static byte[] body(List<String> ids) {
    return ("[" + ids.stream().map(i -> ItSupport.event(i, Instant.now().minusSeconds(5),
        "{\"pad\":\"" + "x".repeat(900) + "\"}")).collect(Collectors.joining(",")) + "]")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String id() {
    return UUID.randomUUID().toString();
  }

  /** Polls with a generous bound (a wait, not a timing assertion). */
  private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting for: " + what + " (reserved " + budget.reservedBytes() + ")");
      }
      Thread.sleep(20);
    }
  }
}
