package dev.millrace.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.google.protobuf.util.JsonFormat;
import dev.millrace.collector.testing.FakeSink;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.testing.TestCollector;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EventStatus;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Transport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The REST edge with Kafka faked: what a producer is answered and what would go to Kafka. */
class RestIngestTest {

  private final TestCollector collector = new TestCollector();
  private final MockMvc mvc = collector.mockMvc();
  private final JsonMapper json = JsonMapper.builder().build();

  private MockHttpServletResponse send(MockHttpServletRequestBuilder request) throws Exception {
    MvcResult result = mvc.perform(request).andReturn();
    if (result.getRequest().isAsyncStarted()) {
      result = mvc.perform(asyncDispatch(result)).andReturn();
    }
    return result.getResponse();
  }

  private static MockHttpServletRequestBuilder events(String body) {
    return events(body.getBytes(StandardCharsets.UTF_8));
  }

  private static MockHttpServletRequestBuilder events(byte[] body) {
    return post("/v1/events").contentType("application/json")
        .header(WireNames.WRITE_KEY_HTTP_HEADER, Fixtures.WRITE_KEY)
        .with(r -> {
          r.setRemoteAddr("198.51.100.7");
          return r;
        })
        .content(body);
  }

  private static BatchResult result(MockHttpServletResponse response) throws Exception {
    BatchResult.Builder b = BatchResult.newBuilder();
    JsonFormat.parser().merge(response.getContentAsString(StandardCharsets.UTF_8), b);
    return b.build();
  }

  @Test
  void aMixedBatchIsAnsweredPerEventAndEveryEventGoesToKafka() throws Exception {
    String good = Fixtures.event(Fixtures.uuid());
    String bad = Fixtures.event("nope");
    MockHttpServletResponse response = send(events("[" + good + "," + bad + "]"));

    assertThat(response.getStatus()).isEqualTo(200);
    String requestId = response.getHeader("X-Request-Id");
    assertThat(requestId).isNotBlank();
    BatchResult result = result(response);
    assertThat(result.getRequestId()).isEqualTo(requestId);
    assertThat(result.getAccepted()).isEqualTo(1);
    assertThat(result.getRejected()).isEqualTo(1);
    assertThat(result.getResults(0).getStatus()).isEqualTo(EventStatus.EVENT_STATUS_ACCEPTED);
    assertThat(result.getResults(1).getStatus()).isEqualTo(EventStatus.EVENT_STATUS_REJECTED);
    assertThat(result.getResults(1).getReason()).isEqualTo(ReasonCode.INVALID_EVENT_ID);
    assertThat(result.getResults(1).getField()).isEqualTo("/event_id");
    assertThat(result.getResults(1).getEventId()).isEqualTo("nope");

    ProducerRecord<String, byte[]> raw = collector.sink.on("raw").get(0);
    RawEvent rawEvent = RawEvent.parseFrom(raw.value());
    assertThat(raw.key()).isEqualTo(rawEvent.getEvent().getEventId());
    assertThat(rawEvent.getMetadata().getRequestId()).isEqualTo(requestId);
    assertThat(rawEvent.getMetadata().getWriteKeyId()).isEqualTo(Fixtures.WRITE_KEY_ID);
    assertThat(rawEvent.getMetadata().getClientIp()).isEqualTo("198.51.100.7");
    assertThat(rawEvent.getMetadata().getTransport()).isEqualTo(Transport.TRANSPORT_REST);
    assertThat(rawEvent.getMetadata().getCollectorInstance()).isEqualTo("collector-test-1");
    assertThat(rawEvent.getMetadata().getReceivedAt().getSeconds()).isEqualTo(Fixtures.NOW.getEpochSecond());
    assertThat(rawEvent.getEvent().getPayloadJson()).isEqualTo("{\"sku\":\"A-1\",\"price\":12.50}");
    assertThat(header(raw, WireNames.HEADER_EVENT_TYPE)).isEqualTo("page_view");
    assertThat(header(raw, WireNames.HEADER_SCHEMA_VERSION)).isEqualTo("1-0-0");
    assertThat(header(raw, WireNames.HEADER_CONTENT_TYPE)).isEqualTo("millrace.v1.RawEvent");

    ProducerRecord<String, byte[]> dead = collector.sink.on("dead").get(0);
    DeadLetter letter = DeadLetter.parseFrom(dead.value());
    assertThat(letter.getStage()).isEqualTo(Stage.STAGE_COLLECTOR);
    assertThat(letter.getReason()).isEqualTo(ReasonCode.INVALID_EVENT_ID);
    assertThat(letter.getOriginal().toStringUtf8()).isEqualTo(bad);
    assertThat(letter.getMetadata().getBatchIndex()).isEqualTo(1);
    assertThat(letter.getViolations(0).getPointer()).isEqualTo("/event_id");
    assertThat(header(dead, WireNames.HEADER_REASON)).isEqualTo("INVALID_EVENT_ID");
    assertThat(header(dead, WireNames.HEADER_CONTENT_TYPE)).isEqualTo("millrace.v1.DeadLetter");
  }

  private static String header(ProducerRecord<String, byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  @Test
  void theAnswerIsTheProto3JsonFormOfBatchResult() throws Exception {
    BatchResult expected = BatchResult.newBuilder().setRequestId("r-1").setAccepted(1).setRejected(1)
        .addResults(dev.millrace.proto.v1.EventResult.newBuilder().setIndex(0).setEventId("a")
            .setStatus(EventStatus.EVENT_STATUS_ACCEPTED))
        .addResults(dev.millrace.proto.v1.EventResult.newBuilder().setIndex(1)
            .setEventId("\"quoted\" \u0001 \ud83d\ude80 \\ /").setStatus(EventStatus.EVENT_STATUS_REJECTED)
            .setReason(ReasonCode.DUPLICATE_KEY).setField("/payload/a~1b").setMessage("twice: 'ü'"))
        .build();

    BatchResult.Builder parsed = BatchResult.newBuilder();
    JsonFormat.parser().merge(new String(RestIngest.json(expected), StandardCharsets.UTF_8), parsed);

    assertThat(parsed.build()).isEqualTo(expected);
  }

  @Test
  void aSingleObjectIsAccepted() throws Exception {
    MockHttpServletResponse response = send(events(Fixtures.event(Fixtures.uuid())));

    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(result(response).getAccepted()).isEqualTo(1);
    assertThat(collector.sink.on("raw")).hasSize(1);
  }

  @Test
  void theClientIpComesFromXForwardedForOnlyThroughATrustedProxy() throws Exception {
    send(events(Fixtures.event(Fixtures.uuid())).header("X-Forwarded-For", "1.2.3.4, 203.0.113.5")
        .with(r -> {
          r.setRemoteAddr("10.1.2.3");
          return r;
        }));
    send(events(Fixtures.event(Fixtures.uuid())).header("X-Forwarded-For", "203.0.113.5"));

    assertThat(collector.sink.on("raw")).extracting(r -> RawEvent.parseFrom(r.value()).getMetadata().getClientIp())
        .containsExactly("203.0.113.5", "198.51.100.7");
  }

  @Test
  void aMissingOrUnknownWriteKeyIs401AndNothingIsSent() throws Exception {
    MockHttpServletResponse missing = send(post("/v1/events").contentType("application/json")
        .content(Fixtures.event(Fixtures.uuid())));
    MockHttpServletResponse unknown = send(post("/v1/events").contentType("application/json")
        .header(WireNames.WRITE_KEY_HTTP_HEADER, "guess").content(Fixtures.event(Fixtures.uuid())));

    for (MockHttpServletResponse r : new MockHttpServletResponse[] {missing, unknown}) {
      assertThat(r.getStatus()).isEqualTo(401);
      assertThat(r.getContentType()).isEqualTo("application/problem+json");
      assertThat(problem(r).get("status").asInt()).isEqualTo(401);
    }
    assertThat(collector.sink.records).isEmpty();
  }

  @Test
  void otherMediaTypesAndEncodingsAre415() throws Exception {
    String body = Fixtures.event(Fixtures.uuid());

    assertThat(send(events(body).contentType("text/plain")).getStatus()).isEqualTo(415);
    assertThat(send(events(body).contentType("application/json; charset=ISO-8859-1")).getStatus()).isEqualTo(415);
    assertThat(send(events(body).header("Content-Encoding", "br")).getStatus()).isEqualTo(415);
    assertThat(send(events(body).contentType("application/json; charset=utf-8")).getStatus()).isEqualTo(200);
  }

  @Test
  void malformedJsonIs400WithWhere() throws Exception {
    MockHttpServletResponse response = send(events("[\n{\"event_id\": }]"));

    assertThat(response.getStatus()).isEqualTo(400);
    assertThat(response.getContentType()).isEqualTo("application/problem+json");
    JsonNode problem = problem(response);
    assertThat(problem.get("where").get("line").asInt()).isEqualTo(2);
    assertThat(problem.get("where").get("column").asInt()).isPositive();
    assertThat(problem.get("request_id").asString()).isEqualTo(response.getHeader("X-Request-Id"));
  }

  @Test
  void gzipBodiesAreAccepted() throws Exception {
    MockHttpServletResponse response = send(events(gzip("[" + Fixtures.event(Fixtures.uuid()) + "]"))
        .header("Content-Encoding", "gzip"));

    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(collector.sink.on("raw")).hasSize(1);
  }

  @Test
  void aBodyThatIsNotGzipIs400() throws Exception {
    assertThat(send(events("not gzip").header("Content-Encoding", "gzip")).getStatus()).isEqualTo(400);
  }

  @Test
  void aGzipBombIs413OnItsDecompressedSize() throws Exception {
    byte[] bomb = gzip(" ".repeat(2 * 1024 * 1024) + "[]"); // ~2 KiB compressed, 2 MiB inflated

    assertThat(bomb.length).isLessThan(10_000);
    MockHttpServletResponse response = send(events(bomb).header("Content-Encoding", "gzip"));

    assertThat(response.getStatus()).isEqualTo(413);
    assertThat(collector.sink.records).isEmpty();
  }

  @Test
  void aBodyOverTheLimitIs413() throws Exception {
    String big = "[" + Fixtures.event(Fixtures.uuid(), "{\"x\":\"" + "y".repeat(1024 * 1024) + "\"}") + "]";

    assertThat(send(events(big)).getStatus()).isEqualTo(413);
    assertThat(collector.sink.records).isEmpty();
  }

  @Test
  void aBatchOverTheEventLimitIs413() throws Exception {
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i <= 1000; i++) {
      body.append(i == 0 ? "" : ",").append(Fixtures.event(Fixtures.uuid()));
    }
    MockHttpServletResponse response = send(events(body.append(']').toString()));

    assertThat(response.getStatus()).isEqualTo(413);
    assertThat(collector.sink.records).isEmpty();
  }

  @Test
  void anEventOverItsLimitIsRejectedAloneAndItsDeadLetterStaysSmall() throws Exception {
    String big = Fixtures.event(Fixtures.uuid(), "{\"x\":\"" + "y".repeat(100 * 1024) + "\"}");
    BatchResult result = result(send(events("[" + big + "," + Fixtures.event(Fixtures.uuid()) + "]")));

    assertThat(result.getResults(0).getReason()).isEqualTo(ReasonCode.EVENT_TOO_LARGE);
    assertThat(result.getAccepted()).isEqualTo(1);
    DeadLetter letter = DeadLetter.parseFrom(collector.sink.on("dead").get(0).value());
    assertThat(letter.getOriginal().size()).isEqualTo(64 * 1024);
    assertThat(letter.getMessage()).contains("truncated");
  }

  @Test
  void whenKafkaCannotTakeTheRequestItIs503WithRetryAfter() throws Exception {
    collector.sink.mode = FakeSink.Mode.REFUSE_AT_ONCE;
    MockHttpServletResponse refused = send(events(Fixtures.event(Fixtures.uuid())));
    collector.sink.mode = FakeSink.Mode.FAIL_LATER;
    MockHttpServletResponse failed = send(events(Fixtures.event(Fixtures.uuid())));

    for (MockHttpServletResponse r : new MockHttpServletResponse[] {refused, failed}) {
      assertThat(r.getStatus()).isEqualTo(503);
      assertThat(r.getHeader("Retry-After")).isEqualTo("2");
      assertThat(r.getContentType()).isEqualTo("application/problem+json");
      assertThat(r.getContentAsString()).doesNotContain("accepted");
    }
  }

  @Test
  void metricsCountAcceptedAndRejectedByReason() throws Exception {
    send(events("[" + Fixtures.event(Fixtures.uuid()) + "," + Fixtures.event("x") + "]"));

    assertThat(collector.registry.get("millrace.collector.events").tag("outcome", "accepted")
        .tag("transport", "rest").counter().count()).isEqualTo(1.0);
    assertThat(collector.registry.get("millrace.collector.events").tag("reason", "INVALID_EVENT_ID")
        .counter().count()).isEqualTo(1.0);
    assertThat(collector.registry.get("millrace.collector.request").tag("outcome", "ok").timer().count())
        .isEqualTo(1);
  }

  @Test
  void theOpenApiDocumentIsServed() throws Exception {
    MockHttpServletResponse response = send(get("/v1/openapi.yaml"));

    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(response.getContentAsString()).contains("openapi: 3.1.0").contains("/v1/events:");
  }

  private JsonNode problem(MockHttpServletResponse response) throws Exception {
    return json.readTree(response.getContentAsByteArray());
  }

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
