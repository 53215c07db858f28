package dev.millrace.collector.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.JsonFormat;
import dev.millrace.collector.CollectorApplication;
import dev.millrace.collector.testing.GrpcEvents;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.CollectorServiceGrpc;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventBatch;
import dev.millrace.proto.v1.EventStatus;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Transport;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStackExtension;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The collector on a real Kafka broker: what a producer is answered is what is in Kafka. */
@ExtendWith(LocalStackExtension.class)
class CollectorIT {

  private static final String TOPICS = "collector-it-" + UUID.randomUUID().toString().substring(0, 8);
  private static final String RAW = TOPICS + ".raw";
  private static final String DEAD = TOPICS + ".dead";
  private static CollectorApplication.Running collector;
  private static ManagedChannel channel;

  @BeforeAll
  static void start(KafkaServer kafka) {
    collector = ItSupport.collector(kafka, TOPICS, Map.of(
        "millrace.collector.limits.max-body-bytes", "256KB",
        "millrace.collector.limits.max-batch-events", "100",
        "millrace.collector.limits.max-event-bytes", "8KB",
        "millrace.collector.grpc.max-inbound-message-bytes", "512KB"));
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

  private static BatchResult result(HttpResponse<String> response) throws Exception {
    BatchResult.Builder b = BatchResult.newBuilder();
    JsonFormat.parser().merge(response.body(), b);
    return b.build();
  }

  private static CollectorServiceGrpc.CollectorServiceStub grpc() {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of(WireNames.WRITE_KEY_GRPC_METADATA, Metadata.ASCII_STRING_MARSHALLER), ItSupport.WRITE_KEY);
    return CollectorServiceGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
  }

  @Test
  void aMixedBatchLandsExactlyAsAnswered(KafkaServer kafka) throws Exception {
    List<String> good = List.of(id(), id(), id(), id());
    String badId = id();
    String tooOld = id();
    String duplicateKey = id();
    List<String> items = new ArrayList<>();
    good.forEach(g -> items.add(ItSupport.event(g)));
    items.add(1, ItSupport.event(badId).replace("\"page_view\"", "\"Page View\""));
    items.add(3, ItSupport.event(tooOld, Instant.now().minus(Duration.ofDays(90)), "{}"));
    items.add(ItSupport.event(duplicateKey, Instant.now(), "{\"a\":1,\"a\":2}"));
    items.add("\"not an event\"");

    HttpResponse<String> response = ItSupport.post(collector,
        ("[" + String.join(",", items) + "]").getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(200);
    BatchResult result = result(response);
    assertThat(result.getAccepted()).isEqualTo(4);
    assertThat(result.getRejected()).isEqualTo(4);
    Set<String> acceptedIds = result.getResultsList().stream()
        .filter(r -> r.getStatus() == EventStatus.EVENT_STATUS_ACCEPTED).map(r -> r.getEventId())
        .collect(Collectors.toSet());
    assertThat(acceptedIds).containsExactlyInAnyOrderElementsOf(good);
    assertThat(result.getResultsList()).filteredOn(r -> r.getStatus() == EventStatus.EVENT_STATUS_REJECTED)
        .extracting(r -> r.getReason())
        .containsExactly(ReasonCode.INVALID_EVENT_TYPE, ReasonCode.CLOCK_SKEW, ReasonCode.DUPLICATE_KEY,
            ReasonCode.NOT_AN_OBJECT);

    List<ConsumerRecord<String, byte[]>> raw = ItSupport.read(kafka, RAW,
        r -> requestId(r).equals(result.getRequestId()), l -> l.size() >= 4, Duration.ofSeconds(30));
    assertThat(raw).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(good);
    for (ConsumerRecord<String, byte[]> r : raw) {
      RawEvent e = RawEvent.parseFrom(r.value());
      assertThat(e.getMetadata().getWriteKeyId()).isEqualTo(ItSupport.WRITE_KEY_ID);
      assertThat(e.getMetadata().getCollectorInstance()).isEqualTo("it-collector");
      assertThat(e.getMetadata().getClientIp()).isEqualTo("127.0.0.1");
      assertThat(e.getMetadata().getTransport()).isEqualTo(Transport.TRANSPORT_REST);
      assertThat(e.getEvent().getPayloadJson()).isEqualTo("{\"n\":1}");
      assertThat(header(r, WireNames.HEADER_EVENT_ID)).isEqualTo(e.getEvent().getEventId());
      assertThat(header(r, WireNames.HEADER_EVENT_TYPE)).isEqualTo("page_view");
      assertThat(header(r, WireNames.HEADER_SCHEMA_VERSION)).isEqualTo("1-0-0");
      assertThat(header(r, WireNames.HEADER_CONTENT_TYPE)).isEqualTo("millrace.v1.RawEvent");
    }

    List<ConsumerRecord<String, byte[]>> dead = ItSupport.read(kafka, DEAD,
        r -> deadRequestId(r).equals(result.getRequestId()), l -> l.size() >= 4, Duration.ofSeconds(30));
    assertThat(dead).hasSize(4);
    Map<String, DeadLetter> letters = new java.util.HashMap<>();
    for (ConsumerRecord<String, byte[]> r : dead) {
      DeadLetter d = DeadLetter.parseFrom(r.value());
      assertThat(d.getStage()).isEqualTo(Stage.STAGE_COLLECTOR);
      assertThat(header(r, WireNames.HEADER_REASON)).isEqualTo(d.getReason().name());
      letters.put(d.getEventId(), d);
    }
    assertThat(letters.get(badId).getReason()).isEqualTo(ReasonCode.INVALID_EVENT_TYPE);
    assertThat(letters.get(badId).getOriginal().toStringUtf8()).isEqualTo(items.get(1));
    assertThat(letters.get(tooOld).getReason()).isEqualTo(ReasonCode.CLOCK_SKEW);
    assertThat(letters.get(duplicateKey).getViolations(0).getPointer()).isEqualTo("/payload/a");
    assertThat(letters.get("").getOriginal().toStringUtf8()).isEqualTo("\"not an event\"");
  }

  @Test
  void gzipBodiesAreTakenAndDecompressed(KafkaServer kafka) throws Exception {
    List<String> ids = List.of(id(), id(), id());
    String body = "[" + ids.stream().map(ItSupport::event).collect(Collectors.joining(",")) + "]";

    HttpResponse<String> response = ItSupport.post(collector, gzip(body), "Content-Encoding", "gzip");

    assertThat(response.statusCode()).isEqualTo(200);
    BatchResult result = result(response);
    assertThat(result.getAccepted()).isEqualTo(3);
    assertThat(ItSupport.read(kafka, RAW, r -> requestId(r).equals(result.getRequestId()),
        l -> l.size() >= 3, Duration.ofSeconds(30))).extracting(ConsumerRecord::key)
        .containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  void eachSizeLimitIsEnforced(KafkaServer kafka) throws Exception {
    String pad = "x".repeat(200);
    // body: 300 KB > 256 KB, also once gzip-compressed to almost nothing
    String bigBody = "[" + ItSupport.event(id(), Instant.now(), "{\"p\":\"" + "y".repeat(300 * 1024) + "\"}") + "]";
    assertThat(ItSupport.post(collector, bigBody.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(413);
    assertThat(ItSupport.post(collector, gzip(bigBody), "Content-Encoding", "gzip").statusCode()).isEqualTo(413);
    // batch: 101 events > 100
    String many = "[" + String.join(",", java.util.Collections.nCopies(101, ItSupport.event(id()))) + "]";
    assertThat(ItSupport.post(collector, many.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(413);
    // event: 9 KB > 8 KB, rejected alone and dead-lettered
    String bigId = id();
    String okId = id();
    HttpResponse<String> response = ItSupport.post(collector, ("[" + ItSupport.event(bigId, Instant.now(),
        "{\"p\":\"" + pad.repeat(45) + "\"}") + "," + ItSupport.event(okId) + "]").getBytes(StandardCharsets.UTF_8));
    assertThat(response.statusCode()).isEqualTo(200);
    BatchResult result = result(response);
    assertThat(result.getResults(0).getReason()).isEqualTo(ReasonCode.EVENT_TOO_LARGE);
    assertThat(result.getResults(1).getStatus()).isEqualTo(EventStatus.EVENT_STATUS_ACCEPTED);
    assertThat(ItSupport.read(kafka, DEAD, r -> deadRequestId(r).equals(result.getRequestId()),
        l -> !l.isEmpty(), Duration.ofSeconds(30))).hasSize(1);
    // gRPC message: 600 KB > 512 KB
    EventBatch huge = EventBatch.newBuilder().addEvents(grpcEvent(id()).toBuilder()
        .setPayloadJson("{\"p\":\"" + "z".repeat(600 * 1024) + "\"}")).build();
    GrpcEvents.Answer answer = new GrpcEvents.Answer();
    grpc().withDeadlineAfter(10, TimeUnit.SECONDS).sendBatch(huge, answer);
    assertThatThrownBy(() -> answer.result.get(10, TimeUnit.SECONDS)).cause()
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
  }

  @Test
  void tenThousandEventsOverOneGrpcStreamAllLand(KafkaServer kafka) throws Exception {
    GrpcEvents.Answer answer = new GrpcEvents.Answer();
    StreamObserver<EventBatch> stream = grpc().withDeadlineAfter(120, TimeUnit.SECONDS).sendStream(answer);
    Set<String> ids = new HashSet<>();
    for (int b = 0; b < 100; b++) {
      EventBatch.Builder batch = EventBatch.newBuilder();
      for (int i = 0; i < 100; i++) {
        String id = id();
        ids.add(id);
        batch.addEvents(grpcEvent(id));
      }
      stream.onNext(batch.build());
    }
    stream.onCompleted();

    BatchResult result = answer.result.get(120, TimeUnit.SECONDS);
    assertThat(result.getAccepted()).isEqualTo(10_000);
    assertThat(result.getResultsList()).extracting(r -> r.getIndex())
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 10_000).boxed().toList());
    List<ConsumerRecord<String, byte[]>> raw = ItSupport.read(kafka, RAW,
        r -> requestId(r).equals(result.getRequestId()), l -> l.size() >= 10_000, Duration.ofSeconds(60));
    assertThat(raw.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).isEqualTo(ids);
    assertThat(raw).hasSize(10_000);
  }

  @Test
  void readinessIsUpWhileKafkaIsReachableAndMetricsAreExposed() throws Exception {
    assertThat(ItSupport.readiness(collector)).isEqualTo(200);
    ItSupport.post(collector, ("[" + ItSupport.event(id()) + "]").getBytes(StandardCharsets.UTF_8));

    String metrics = ItSupport.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
            "http://127.0.0.1:" + collector.httpPort() + "/actuator/prometheus")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics)
        .contains("millrace_collector_events_total{outcome=\"accepted\",reason=\"none\",transport=\"rest\"}")
        .contains("millrace_collector_request_seconds_bucket")
        .contains("millrace_collector_in_flight_bytes");
  }

  private static Event grpcEvent(String id) {
    return Event.newBuilder().setEventId(id).setEventType("app_open").setSchemaVersion("1-0-0")
        .setOccurredAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - 1))
        .setPayloadJson("{\"k\":\"" + "v".repeat(900) + "\"}").build();
  }

  static String requestId(ConsumerRecord<String, byte[]> r) {
    try {
      return RawEvent.parseFrom(r.value()).getMetadata().getRequestId();
    } catch (Exception e) {
      return "";
    }
  }

  static String deadRequestId(ConsumerRecord<String, byte[]> r) {
    try {
      return DeadLetter.parseFrom(r.value()).getMetadata().getRequestId();
    } catch (Exception e) {
      return "";
    }
  }

  private static String header(ConsumerRecord<String, byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private static String id() {
    return UUID.randomUUID().toString();
  }

  static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
