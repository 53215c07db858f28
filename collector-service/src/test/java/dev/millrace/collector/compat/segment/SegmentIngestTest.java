package dev.millrace.collector.compat.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.google.protobuf.util.Timestamps;
import dev.millrace.collector.compat.TrackerIds;
import dev.millrace.collector.testing.FakeSink;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.testing.TestCollector;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Transport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Segment's tracking API with Kafka faked: what an SDK is answered and what goes to Kafka. */
class SegmentIngestTest {

  private static final String BASIC = "Basic " + Base64.getEncoder()
      .encodeToString((Fixtures.WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8));
  private static final String UUID_1 = "5b1d3c56-7a9e-4f0b-8c2d-1e3f4a5b6c7d";

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

  private static MockHttpServletRequestBuilder segment(String path, String body) {
    return post(path).contentType("application/json").header("Authorization", BASIC)
        .content(body.getBytes(StandardCharsets.UTF_8));
  }

  private List<Event> raw() {
    return collector.sink.on("raw").stream().map(r -> parse(r.value()).getEvent()).toList();
  }

  private List<DeadLetter> dead() {
    return collector.sink.on("dead").stream().map(r -> {
      try {
        return DeadLetter.parseFrom(r.value());
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).toList();
  }

  private static RawEvent parse(byte[] value) {
    try {
      return RawEvent.parseFrom(value);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String track(String messageId, String name, String properties) {
    return "{\"type\":\"track\",\"messageId\":\"" + messageId + "\",\"event\":\"" + name + "\",\"userId\":\"u-1\","
        + "\"properties\":" + properties + ",\"timestamp\":\"2026-03-01T11:59:00.000Z\"}";
  }

  @Test
  void aBatchOfEveryCallTypeBecomesOneRawEventEachWithItsTypeAndPayload() throws Exception {
    String batch = "{\"batch\":["
        + track(UUID_1, "Product Viewed", "{\"sku\":\"A-1\",\"price\":12.50000000000000000001}") + ","
        + "{\"type\":\"page\",\"messageId\":\"m-2\",\"anonymousId\":\"anon-1\",\"name\":\"Home\","
        + "\"properties\":{\"path\":\"/\"},\"context\":{\"page\":{\"url\":\"https://shop.example/?utm_source=x\","
        + "\"referrer\":\"https://search.example/\"},\"userAgent\":\"Mozilla/5.0\",\"ip\":\"203.0.113.9\","
        + "\"locale\":\"en-GB\",\"library\":{\"name\":\"analytics.js\"}}},"
        + "{\"type\":\"screen\",\"messageId\":\"m-3\",\"userId\":\"u-1\",\"name\":\"Cart\",\"category\":\"shop\"},"
        + "{\"type\":\"identify\",\"messageId\":\"m-4\",\"userId\":42,\"traits\":{\"plan\":\"pro\"}},"
        + "{\"type\":\"group\",\"messageId\":\"m-5\",\"userId\":\"u-1\",\"groupId\":\"g-9\",\"traits\":{\"seats\":3}},"
        + "{\"type\":\"alias\",\"messageId\":\"m-6\",\"userId\":\"u-1\",\"previousId\":\"anon-1\",\"integrations\":{}}"
        + "],\"sentAt\":\"2026-03-01T11:59:30.000Z\"}";

    MockHttpServletResponse response = send(segment("/v1/batch", batch));

    assertThat(response.getStatus()).isEqualTo(200);
    JsonNode answer = json.readTree(response.getContentAsString());
    assertThat(answer.get("success").asBoolean()).isTrue();
    assertThat(answer.get("accepted").asInt()).isEqualTo(6);
    List<RawEvent> records = collector.sink.on("raw").stream().map(r -> parse(r.value())).toList();
    assertThat(records).allSatisfy(r -> assertThat(r.getMetadata().getTransport()).isEqualTo(Transport.TRANSPORT_SEGMENT));
    assertThat(records).allSatisfy(r -> assertThat(r.getMetadata().getWriteKeyId()).isEqualTo(Fixtures.WRITE_KEY_ID));
    List<Event> events = raw();
    assertThat(events).extracting(Event::getEventType)
        .containsExactly("product_viewed", "page", "screen", "identify", "group", "alias");
    assertThat(events).extracting(Event::getSchemaVersion).containsOnly("1-0-0");
    assertThat(events).extracting(Event::getEventId).containsExactly(UUID_1,
        TrackerIds.eventId("segment", "m-2"), TrackerIds.eventId("segment", "m-3"),
        TrackerIds.eventId("segment", "m-4"), TrackerIds.eventId("segment", "m-5"),
        TrackerIds.eventId("segment", "m-6"));
    // the properties byte for byte: the number keeps every digit
    assertThat(events.get(0).getPayloadJson()).isEqualTo("{\"sku\":\"A-1\",\"price\":12.50000000000000000001}");
    assertThat(events.get(1).getPayloadJson()).isEqualTo("{\"name\":\"Home\",\"properties\":{\"path\":\"/\"}}");
    assertThat(events.get(2).getPayloadJson()).isEqualTo("{\"name\":\"Cart\",\"category\":\"shop\",\"properties\":{}}");
    assertThat(events.get(3).getPayloadJson()).isEqualTo("{\"traits\":{\"plan\":\"pro\"}}");
    assertThat(events.get(4).getPayloadJson()).isEqualTo("{\"group_id\":\"g-9\",\"traits\":{\"seats\":3}}");
    assertThat(events.get(5).getPayloadJson()).isEqualTo("{\"previous_id\":\"anon-1\"}");
    var page = events.get(1).getContext();
    assertThat(page.getAnonymousId()).isEqualTo("anon-1");
    assertThat(page.getPageUrl()).isEqualTo("https://shop.example/?utm_source=x");
    assertThat(page.getReferrer()).isEqualTo("https://search.example/");
    assertThat(page.getUserAgent()).isEqualTo("Mozilla/5.0");
    assertThat(page.getIp()).isEqualTo("203.0.113.9");
    assertThat(page.getLocale()).isEqualTo("en-GB");
    assertThat(events.get(3).getContext().getUserId()).isEqualTo("42");
  }

  @Test
  void occurredAtIsTheDeviceTimeCorrectedByTheCollectorsClockAsSegmentDoes() throws Exception {
    // The device's clock is an hour behind: it created the event at 10:58:00 and sent it at 10:59:30
    // by its clock; the collector received it at 12:00:00 (Fixtures.NOW).
    String message = "{\"messageId\":\"" + UUID_1 + "\",\"event\":\"Signed Up\",\"userId\":\"u-1\","
        + "\"timestamp\":\"2026-03-01T10:58:00Z\",\"sentAt\":\"2026-03-01T10:59:30Z\"}";
    send(segment("/v1/track", message));
    assertThat(Timestamps.toString(raw().get(0).getOccurredAt())).isEqualTo("2026-03-01T11:58:30Z");

    // Without sentAt the timestamp is taken as it is; without either, the receive time.
    send(segment("/v1/track", "{\"messageId\":\"a\",\"event\":\"x\",\"userId\":\"u\",\"timestamp\":\"2026-03-01T11:30:00+01:00\"}"));
    send(segment("/v1/track", "{\"messageId\":\"b\",\"event\":\"x\",\"userId\":\"u\"}"));
    assertThat(raw().subList(1, 3)).extracting(e -> Timestamps.toString(e.getOccurredAt()))
        .containsExactly("2026-03-01T10:30:00Z", Instant.parse("2026-03-01T12:00:00Z").toString());
  }

  @Test
  void trackNamesAreNormalisedOrMappedToAShippedType() throws Exception {
    String batch = "{\"batch\":[" + track("x-1", "Order Completed", "{\"order_id\":\"o-1\"}") + ","
        + track("x-2", "checkoutStarted", "{}") + "]}";
    send(segment("/v1/batch", batch));
    // Fixtures map order_completed to purchase
    assertThat(raw()).extracting(Event::getEventType).containsExactly("purchase", "checkout_started");
  }

  @Test
  void aMessageWithoutAnIdGetsTheSameEventIdEachTimeItIsSent() throws Exception {
    String message = "{\"event\":\"Signed Up\",\"userId\":\"u-1\",\"timestamp\":\"2026-03-01T11:58:00Z\"}";
    send(segment("/v1/track", message));
    send(segment("/v1/track", message));
    send(segment("/v1/track", message.replace("u-1", "u-2")));
    List<String> ids = raw().stream().map(Event::getEventId).toList();
    assertThat(ids.get(0)).isEqualTo(ids.get(1)).isNotEqualTo(ids.get(2));
  }

  @Test
  void eachBrokenMessageIsDeadLetteredWithItsReasonAndTheOthersGoOn() throws Exception {
    String big = "x".repeat(33 * 1024);
    String batch = "{\"batch\":["
        + track("ok-1", "Fine", "{}") + ","
        + "{\"type\":\"track\",\"messageId\":\"no-user\",\"event\":\"E\"},"
        + "{\"type\":\"teleport\",\"messageId\":\"bad-type\",\"userId\":\"u\"},"
        + "{\"type\":\"track\",\"messageId\":\"no-name\",\"userId\":\"u\"},"
        + "{\"type\":\"group\",\"messageId\":\"no-group\",\"userId\":\"u\"},"
        + "{\"type\":\"track\",\"messageId\":\"bad-time\",\"userId\":\"u\",\"event\":\"E\",\"timestamp\":\"yesterday\"},"
        + "{\"type\":\"track\",\"messageId\":\"props-array\",\"userId\":\"u\",\"event\":\"E\",\"properties\":[1]},"
        + track("too-big", "Big", "{\"blob\":\"" + big + "\"}") + ","
        + "{\"type\":\"track\",\"messageId\":\"dup\",\"userId\":\"u\",\"event\":\"E\",\"properties\":{\"a\":1,\"a\":2}},"
        + "{\"type\":\"track\",\"messageId\":\"skew\",\"userId\":\"u\",\"event\":\"E\",\"timestamp\":\"2027-01-01T00:00:00Z\"},"
        + "\"not an object\""
        + "]}";
    MockHttpServletResponse response = send(segment("/v1/batch", batch));

    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(raw()).extracting(Event::getEventId).containsExactly(TrackerIds.eventId("segment", "ok-1"));
    assertThat(dead()).extracting(DeadLetter::getReason).containsExactly(
        ReasonCode.MISSING_FIELD, ReasonCode.INVALID_EVENT_TYPE, ReasonCode.MISSING_FIELD, ReasonCode.MISSING_FIELD,
        ReasonCode.INVALID_TIMESTAMP, ReasonCode.WRONG_TYPE, ReasonCode.EVENT_TOO_LARGE, ReasonCode.DUPLICATE_KEY,
        ReasonCode.CLOCK_SKEW, ReasonCode.NOT_AN_OBJECT);
    DeadLetter noUser = dead().get(0);
    assertThat(noUser.getViolations(0).getPointer()).isEqualTo("/userId");
    assertThat(noUser.getEventId()).isEqualTo(TrackerIds.eventId("segment", "no-user"));
    // the original is the message exactly as the SDK sent it, to be replayed once fixed
    assertThat(noUser.getOriginal().toStringUtf8()).isEqualTo("{\"type\":\"track\",\"messageId\":\"no-user\",\"event\":\"E\"}");
    assertThat(noUser.getMetadata().getTransport()).isEqualTo(Transport.TRANSPORT_SEGMENT);
  }

  @Test
  void theWriteKeyIsBasicAuthsUserOrTheBodysWriteKeyAndNothingElse() throws Exception {
    String message = track(UUID_1, "E", "{}");
    assertThat(send(post("/v1/track").contentType("application/json").content(message)).getStatus()).isEqualTo(401);
    assertThat(send(post("/v1/track").contentType("application/json")
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("wrong:".getBytes(StandardCharsets.UTF_8)))
        .content(message)).getStatus()).isEqualTo(401);
    assertThat(send(post("/v1/track").contentType("application/json")
        .content(message.replace("{\"type\"", "{\"writeKey\":\"nope\",\"type\""))).getStatus()).isEqualTo(401);
    assertThat(collector.sink.records).isEmpty();

    // analytics.js in a browser: text/plain, the key in the body
    String browser = "{\"batch\":[" + message + "],\"writeKey\":\"" + Fixtures.WRITE_KEY + "\"}";
    assertThat(send(post("/v1/batch").contentType("text/plain;charset=UTF-8").content(browser)).getStatus())
        .isEqualTo(200);
    assertThat(send(segment("/v1/track", message)).getStatus()).isEqualTo(200);
    assertThat(raw()).hasSize(2);
  }

  @Test
  void gzipBodiesAreTakenAndTheBatchLimitIsSegments() throws Exception {
    String batch = "{\"batch\":[" + track(UUID_1, "E", "{}") + "]}";
    MockHttpServletResponse gz = send(post("/v1/batch").contentType("application/json").header("Authorization", BASIC)
        .header("Content-Encoding", "gzip").content(gzip(batch.getBytes(StandardCharsets.UTF_8))));
    assertThat(gz.getStatus()).isEqualTo(200);
    assertThat(raw()).hasSize(1);

    String huge = "{\"batch\":[" + track("h", "E", "{\"blob\":\"" + "y".repeat(501 * 1024) + "\"}") + "]}";
    assertThat(send(segment("/v1/batch", huge)).getStatus()).isEqualTo(413);
    assertThat(send(segment("/v1/batch", "{\"batch\":[")).getStatus()).isEqualTo(400);
    assertThat(send(segment("/v1/batch", "{\"messages\":[]}")).getStatus()).isEqualTo(400);
    assertThat(send(segment("/v1/batch", "[]")).getStatus()).isEqualTo(400);
    assertThat(send(post("/v1/batch").contentType("application/xml").header("Authorization", BASIC)
        .content(batch)).getStatus()).isEqualTo(415);
    assertThat(raw()).hasSize(1);
  }

  @Test
  void whenKafkaCannotTakeTheBatchTheSdkIsTold503ToRetry() throws Exception {
    collector.sink.mode = FakeSink.Mode.FAIL_LATER;
    MockHttpServletResponse r = send(segment("/v1/batch", "{\"batch\":[" + track(UUID_1, "E", "{}") + "]}"));
    assertThat(r.getStatus()).isEqualTo(503);
    assertThat(r.getHeader("Retry-After")).isNotBlank();
  }

  @Test
  void browsersGetCorsForTheOriginsTheirKeyAllows() throws Exception {
    MockHttpServletResponse preflight = send(options("/v1/batch").header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "content-type"));
    assertThat(preflight.getStatus()).isEqualTo(204);
    assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://shop.example");
    assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("POST");
    assertThat(preflight.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");

    MockHttpServletResponse stranger = send(options("/v1/batch").header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST"));
    assertThat(stranger.getStatus()).isEqualTo(403);
    assertThat(stranger.getHeader("Access-Control-Allow-Origin")).isNull();

    String message = track(UUID_1, "E", "{}");
    MockHttpServletResponse allowed = send(segment("/v1/track", message).header("Origin", "https://shop.example"));
    assertThat(allowed.getStatus()).isEqualTo(200);
    assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://shop.example");
    // a simple request (no preflight) from an origin the key does not allow is refused, not ingested
    assertThat(send(segment("/v1/track", message).header("Origin", "https://evil.example")).getStatus())
        .isEqualTo(403);
    assertThat(raw()).hasSize(1);
  }

  private static byte[] gzip(byte[] bytes) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }
}
