package dev.millrace.collector.compat.snowplow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.google.protobuf.util.Timestamps;
import dev.millrace.collector.compat.TrackerIds;
import dev.millrace.collector.config.CollectorProperties;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.collector.validate.EventValidator;
import dev.millrace.collector.validate.MalformedBodyException;
import dev.millrace.collector.validate.TooManyEventsException;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.ReasonCode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.util.unit.DataSize;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/** Snowplow tracker events in, the events (or rejections) a Millrace producer would get out. */
class SnowplowDecoderTest {

  /** The collector's default limits (those of {@code millrace.collector.limits.*}). */
  static final CollectorProperties.Limits LIMITS = new CollectorProperties.Limits(DataSize.ofMegabytes(8), 1000,
      1_000_000, DataSize.ofKilobytes(256), 8192, 64, java.time.Duration.ofMinutes(10), java.time.Duration.ofDays(30));

  static final Instant NOW = Fixtures.NOW;
  static final String EID = "606adff6-9ccc-41f4-8807-db8fdb600df8";
  static final String PAYLOAD_DATA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4";
  static final String UNSTRUCT = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0";
  static final JsonFactory JSON = JsonFactory.builder().build();

  private final SnowplowDecoder decoder = new SnowplowDecoder(new EventValidator(LIMITS, Fixtures.CLOCK));

  // --- helpers -------------------------------------------------------------------------------

  /** A tracker's event: eid and e first, then the given name/value pairs (null value = removed). */
  static Map<String, String> params(String e, String... pairs) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("eid", EID);
    p.put("e", e);
    p.put("tv", "js-3.24.0");
    p.put("p", "web");
    p.put("dtm", Long.toString(NOW.minusSeconds(60).toEpochMilli()));
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i + 1] == null) {
        p.remove(pairs[i]);
      } else {
        p.put(pairs[i], pairs[i + 1]);
      }
    }
    return p;
  }

  /** One data item as a tracker writes it: a JSON object of strings. */
  static String item(Map<String, String> params) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      params.forEach(g::writeStringProperty);
      g.writeEndObject();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  static byte[] body(String... items) {
    return ("{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":[" + String.join(",", items) + "]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  CheckedEvent post(Map<String, String> params) throws Exception {
    List<CheckedEvent> events = decoder.decodePayloadData(body(item(params)), NOW);
    assertThat(events).hasSize(1);
    return events.get(0);
  }

  static String ue(String iglu, String data) {
    return "{\"schema\":\"" + UNSTRUCT + "\",\"data\":{\"schema\":\"" + iglu + "\",\"data\":" + data + "}}";
  }

  static String base64url(String text, boolean padded) {
    Base64.Encoder enc = padded ? Base64.getUrlEncoder() : Base64.getUrlEncoder().withoutPadding();
    return enc.encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  static Instant occurredAt(CheckedEvent e) {
    return Instant.ofEpochMilli(Timestamps.toMillis(e.event().getOccurredAt()));
  }

  static Map<String, String> parseObject(byte[] json) {
    Map<String, String> out = new LinkedHashMap<>();
    try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), json)) {
      assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = p.currentName();
        p.nextToken();
        out.merge(name, p.getString(), (a, b) -> a + "|" + b);
      }
    }
    return out;
  }

  // --- the mapping ---------------------------------------------------------------------------

  @Test
  void aPageViewBecomesPageViewWithItsPathTitleAndContext() throws Exception {
    Map<String, String> p = params("pv",
        "url", "https://shop.example/products/42?ref=mail#reviews", "page", "Product 42 – Zoë's",
        "refr", "https://search.example/?q=42", "aid", "shop-web", "uid", "u-1", "duid", "d-1",
        "lang", "en-GB", "ip", "203.0.113.9", "ua", "Mozilla/5.0 (X11)", "sid", UUID.randomUUID().toString(),
        "vid", "3", "res", "1280x1024", "cx", "e30");
    CheckedEvent e = post(p);

    assertThat(e.accepted()).as("%s", e.rejection()).isTrue();
    assertThat(e.index()).isZero();
    assertThat(e.eventIdAsSent()).isEqualTo(EID);
    Event ev = e.event();
    assertThat(ev.getEventId()).isEqualTo(EID);
    assertThat(ev.getEventType()).isEqualTo("page_view");
    assertThat(ev.getSchemaVersion()).isEqualTo("1-0-0");
    assertThat(ev.getPayloadJson()).isEqualTo("{\"path\":\"/products/42\",\"title\":\"Product 42 – Zoë's\"}");
    assertThat(ev.getSource()).isEqualTo("shop-web");
    assertThat(ev.getContext()).isEqualTo(Context.newBuilder()
        .setPageUrl("https://shop.example/products/42?ref=mail#reviews").setReferrer("https://search.example/?q=42")
        .setUserId("u-1").setAnonymousId("d-1").setLocale("en-GB").setIp("203.0.113.9")
        .setUserAgent("Mozilla/5.0 (X11)").build());
    assertThat(new String(e.original(), StandardCharsets.UTF_8)).as("the item's exact bytes").isEqualTo(item(p));
  }

  @Test
  void aPageViewWithoutUrlOrTitleHasTheRootPathAndNoTitle() throws Exception {
    CheckedEvent e = post(params("pv"));
    assertThat(e.accepted()).isTrue();
    assertThat(e.event().getPayloadJson()).isEqualTo("{\"path\":\"/\"}");
    assertThat(e.event().hasContext()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "NULL", value = {
      "https://shop.example/a/b?x=1#f|/a/b",
      "https://shop.example|/",
      "https://shop.example?next=/a/b|/",
      "https://shop.example#/route|/",
      "https://user@shop.example:8443/a%20b/|/a%20b/",
      "//shop.example/a|/a",
      "/relative/path?q|/relative/path",
      "android-app://com.example/screen|/screen",
      "NULL|/",
  })
  void thePathIsTheUrlsPathFromItsFirstSlash(String url, String path) {
    assertThat(SnowplowDecoder.path(url)).isEqualTo(path);
  }

  @Test
  void aPagePingCarriesItsOffsetsAsNumbers() throws Exception {
    CheckedEvent e = post(params("pp", "pp_mix", "0", "pp_max", "100", "pp_miy", "-12", "pp_may", "2400"));
    assertThat(e.accepted()).isTrue();
    assertThat(e.event().getEventType()).isEqualTo("page_ping");
    assertThat(e.event().getSchemaVersion()).isEqualTo("1-0-0");
    assertThat(e.event().getPayloadJson()).isEqualTo("{\"min_x\":0,\"max_x\":100,\"min_y\":-12,\"max_y\":2400}");

    assertThat(post(params("pp", "pp_miy", "5")).event().getPayloadJson()).isEqualTo("{\"min_y\":5}");
  }

  @Test
  void aPagePingOffsetThatIsNotAnIntegerIsRejectedNamingIt() throws Exception {
    CheckedEvent e = post(params("pp", "pp_mix", "0", "pp_may", "12.5"));
    assertThat(e.rejection().reason()).isEqualTo(ReasonCode.INVALID_FIELD);
    assertThat(e.rejection().field()).isEqualTo("/pp_may");
  }

  @Test
  void aStructuredEventCarriesItsFieldsAndItsValueAsANumber() throws Exception {
    CheckedEvent e = post(params("se", "se_ca", "Media", "se_ac", "play-video", "se_la", "dog-skateboarding",
        "se_pr", "hd", "se_va", "13.990000000000000000001"));
    assertThat(e.accepted()).isTrue();
    assertThat(e.event().getEventType()).isEqualTo("structured_event");
    assertThat(e.event().getSchemaVersion()).isEqualTo("1-0-0");
    assertThat(e.event().getPayloadJson()).isEqualTo("{\"category\":\"Media\",\"action\":\"play-video\","
        + "\"label\":\"dog-skateboarding\",\"property\":\"hd\",\"value\":13.990000000000000000001}");

    assertThat(post(params("se", "se_ca", "Ecomm", "se_ac", "add")).event().getPayloadJson())
        .as("absent fields are left out").isEqualTo("{\"category\":\"Ecomm\",\"action\":\"add\"}");
  }

  @Test
  void aStructuredValueThatIsNotANumberIsRejected() throws Exception {
    CheckedEvent e = post(params("se", "se_ca", "Media", "se_ac", "play", "se_va", "NaN"));
    assertThat(e.rejection().reason()).isEqualTo(ReasonCode.INVALID_FIELD);
    assertThat(e.rejection().field()).isEqualTo("/se_va");
  }

  @Test
  void aSelfDescribingEventInUePrTakesItsTypeAndVersionFromItsIgluUriAndKeepsItsDataAsSent() throws Exception {
    String data = "{ \"product_id\": \"ASO01043\", \"price\": 49.950000000000000000001, \"tags\": [\"a\", {\"b\": null}] }";
    CheckedEvent e = post(params("ue", "ue_pr", ue("iglu:com.my_company/viewedProduct/jsonschema/1-2-0", data)));

    assertThat(e.accepted()).as("%s", e.rejection()).isTrue();
    assertThat(e.event().getEventType()).isEqualTo("viewed_product");
    assertThat(e.event().getSchemaVersion()).isEqualTo("1-2-0");
    assertThat(e.event().getPayloadJson()).as("the inner data's exact text").isEqualTo(data);
  }

  @ParameterizedTest
  @CsvSource({"true", "false"})
  void aSelfDescribingEventInUePxIsBase64urlWithOrWithoutPadding(boolean padded) throws Exception {
    String data = "{\"q\":\"Zoë ?>~ 🚀\",\"n\":1}";
    String px = base64url(ue("iglu:com.acme/link_click/jsonschema/1-0-1", data), padded);
    CheckedEvent e = post(params("ue", "ue_px", px));

    assertThat(e.accepted()).as("%s", e.rejection()).isTrue();
    assertThat(e.event().getEventType()).isEqualTo("link_click");
    assertThat(e.event().getSchemaVersion()).isEqualTo("1-0-1");
    assertThat(e.event().getPayloadJson()).isEqualTo(data);
  }

  static Stream<Arguments> malformedSelfDescribingEvents() {
    String ok = "{\"a\":1}";
    return Stream.of(
        arguments("neither ue_pr nor ue_px", new String[] {}, ReasonCode.MISSING_FIELD, "/ue_px"),
        arguments("both ue_pr and ue_px", new String[] {"ue_pr", ue("iglu:com.acme/x/jsonschema/1-0-0", ok),
            "ue_px", base64url(ue("iglu:com.acme/x/jsonschema/1-0-0", ok), false)}, ReasonCode.INVALID_FIELD, "/ue_px"),
        arguments("ue_px not base64", new String[] {"ue_px", "not*base64"}, ReasonCode.INVALID_FIELD, "/ue_px"),
        arguments("ue_px not UTF-8", new String[] {"ue_px", Base64.getUrlEncoder().encodeToString(new byte[] {'{', (byte) 0xff, '}'})},
            ReasonCode.INVALID_FIELD, "/ue_px"),
        arguments("ue_pr not JSON", new String[] {"ue_pr", "{\"schema\":"}, ReasonCode.PAYLOAD_NOT_OBJECT, "/ue_pr"),
        arguments("ue_pr an array", new String[] {"ue_pr", "[1]"}, ReasonCode.PAYLOAD_NOT_OBJECT, "/ue_pr"),
        arguments("content after the object", new String[] {"ue_pr", ue("iglu:com.acme/x/jsonschema/1-0-0", ok) + "{}"},
            ReasonCode.PAYLOAD_NOT_OBJECT, "/ue_pr"),
        arguments("not the unstruct_event schema", new String[] {"ue_pr",
            ue("iglu:com.acme/x/jsonschema/1-0-0", ok).replace(UNSTRUCT, "iglu:com.acme/other/jsonschema/1-0-0")},
            ReasonCode.INVALID_FIELD, "/ue_pr"),
        arguments("a key other than schema and data", new String[] {"ue_pr",
            "{\"schema\":\"" + UNSTRUCT + "\",\"data\":{\"schema\":\"iglu:com.acme/x/jsonschema/1-0-0\",\"data\":{}},\"extra\":1}"},
            ReasonCode.INVALID_FIELD, "/ue_pr"),
        arguments("the outer data not an object", new String[] {"ue_pr", "{\"schema\":\"" + UNSTRUCT + "\",\"data\":\"x\"}"},
            ReasonCode.PAYLOAD_NOT_OBJECT, "/ue_pr"),
        arguments("the event's data not an object", new String[] {"ue_pr", ue("iglu:com.acme/x/jsonschema/1-0-0", "[1]")},
            ReasonCode.PAYLOAD_NOT_OBJECT, "/payload"),
        arguments("the event without data", new String[] {"ue_pr",
            "{\"schema\":\"" + UNSTRUCT + "\",\"data\":{\"schema\":\"iglu:com.acme/x/jsonschema/1-0-0\"}}"},
            ReasonCode.MISSING_FIELD, "/payload"),
        arguments("the event without schema", new String[] {"ue_pr",
            "{\"schema\":\"" + UNSTRUCT + "\",\"data\":{\"data\":{}}}"}, ReasonCode.INVALID_EVENT_TYPE, "/ue_pr"),
        arguments("an Iglu URI without version", new String[] {"ue_pr", ue("iglu:com.acme/x/jsonschema", ok)},
            ReasonCode.INVALID_EVENT_TYPE, "/ue_pr"),
        arguments("not an Iglu URI", new String[] {"ue_pr", ue("https://acme.example/x.json", ok)},
            ReasonCode.INVALID_EVENT_TYPE, "/ue_pr"),
        arguments("a name without letters", new String[] {"ue_pr", ue("iglu:com.acme/---/jsonschema/1-0-0", ok)},
            ReasonCode.INVALID_EVENT_TYPE, "/ue_pr"),
        arguments("a version that is not SchemaVer", new String[] {"ue_pr", ue("iglu:com.acme/x/jsonschema/1.0.0", ok)},
            ReasonCode.INVALID_SCHEMA_VERSION, "/ue_pr"),
        arguments("a key twice in the event's data", new String[] {"ue_pr",
            ue("iglu:com.acme/x/jsonschema/1-0-0", "{\"a\":{\"b\":1,\"b\":2}}")}, ReasonCode.DUPLICATE_KEY, "/payload/a/b"),
        arguments("the event's data nested too deep", new String[] {"ue_pr",
            ue("iglu:com.acme/x/jsonschema/1-0-0", "{\"a\":".repeat(70) + "1" + "}".repeat(70))},
            ReasonCode.INVALID_FIELD, "/payload" + "/a".repeat(64)),
        arguments("schema twice in the envelope", new String[] {"ue_pr",
            "{\"schema\":\"" + UNSTRUCT + "\",\"schema\":\"" + UNSTRUCT + "\",\"data\":{}}"}, ReasonCode.DUPLICATE_KEY, "/ue_pr"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedSelfDescribingEvents")
  void aMalformedSelfDescribingEventIsRejectedWithAReasonAndTheFieldAtFault(String name, String[] pairs,
                                                                           ReasonCode reason, String field) throws Exception {
    CheckedEvent e = post(params("ue", pairs));
    assertThat(e.accepted()).isFalse();
    assertThat(e.rejection().reason()).as(e.rejection().message()).isEqualTo(reason);
    assertThat(e.rejection().field()).isEqualTo(field);
    assertThat(e.rejection().message()).isNotBlank().doesNotContain("{\"a\"");
  }

  // --- ids and clocks ------------------------------------------------------------------------

  @Test
  void anEidThatIsNotAUuidBecomesTheSameVersion5UuidEveryTime() throws Exception {
    CheckedEvent e = post(params("pv", "eid", "tracker-event-17"));
    assertThat(e.accepted()).isTrue();
    assertThat(e.eventIdAsSent()).as("answers and dead letters name the Millrace id").isEqualTo(e.event().getEventId());
    assertThat(UUID.fromString(e.event().getEventId()).version()).isEqualTo(5);
    assertThat(e.event().getEventId())
        .isEqualTo(TrackerIds.eventId("snowplow", "tracker-event-17"))
        .as("a retried event keeps its id").isEqualTo(post(params("pv", "eid", "tracker-event-17")).event().getEventId())
        .isNotEqualTo(TrackerIds.eventId("segment", "tracker-event-17"));
  }

  @Test
  void anEventWithoutEidIsRejectedAndStillNamesItsTypeForTheDeadLetter() throws Exception {
    CheckedEvent e = post(params("se", "eid", null, "se_ca", "media", "se_ac", "play"));
    assertThat(e.rejection().reason()).isEqualTo(ReasonCode.MISSING_FIELD);
    assertThat(e.rejection().field()).isEqualTo("/eid");
    assertThat(e.eventIdAsSent()).isEmpty();
    assertThat(e.event().getEventType()).isEqualTo("structured_event");
  }

  @Test
  void theTrueTimestampWinsOverTheDeviceClock() throws Exception {
    Instant ttm = NOW.minusSeconds(3600).plusMillis(123);
    CheckedEvent e = post(params("pv", "ttm", Long.toString(ttm.toEpochMilli()),
        "dtm", Long.toString(NOW.minusSeconds(10).toEpochMilli()), "stm", Long.toString(NOW.toEpochMilli())));
    assertThat(e.accepted()).isTrue();
    assertThat(occurredAt(e)).isEqualTo(ttm);
  }

  @Test
  void aDeviceClockHoursOffIsCorrectedByTheTimeBetweenCreatingAndSending() throws Exception {
    // the device's clock is two hours behind; it sent the event 5 s after creating it
    Instant created = NOW.minus(Duration.ofHours(2)).minusSeconds(10);
    Instant sent = NOW.minus(Duration.ofHours(2)).minusSeconds(5);
    CheckedEvent e = post(params("pv", "dtm", Long.toString(created.toEpochMilli()), "stm", Long.toString(sent.toEpochMilli())));
    assertThat(e.accepted()).isTrue();
    assertThat(occurredAt(e)).isEqualTo(NOW.minusSeconds(5));
  }

  @Test
  void withoutSentTimeTheDeviceTimeIsTakenAndWithoutAnyTheTimeOfReceipt() throws Exception {
    Instant created = NOW.minusSeconds(42);
    assertThat(occurredAt(post(params("pv", "dtm", Long.toString(created.toEpochMilli()))))).isEqualTo(created);
    assertThat(occurredAt(post(params("pv", "dtm", null)))).isEqualTo(NOW);
    assertThat(occurredAt(post(params("pv", "dtm", null, "stm", Long.toString(NOW.minusSeconds(9).toEpochMilli())))))
        .isEqualTo(NOW);
  }

  @ParameterizedTest
  @CsvSource({"dtm,yesterday", "stm,1.5e12", "ttm,-1", "dtm,99999999999999999999"})
  void aTimestampThatIsNotEpochMillisecondsIsRejectedNamingIt(String name, String value) throws Exception {
    CheckedEvent e = post(params("pv", name, value));
    assertThat(e.rejection().reason()).isEqualTo(ReasonCode.INVALID_TIMESTAMP);
    assertThat(e.rejection().field()).isEqualTo("/" + name);
  }

  @Test
  void theTopLevelRulesStillApply() throws Exception {
    CheckedEvent future = post(params("pv", "ttm", Long.toString(NOW.plus(Duration.ofHours(1)).toEpochMilli())));
    assertThat(future.rejection().reason()).isEqualTo(ReasonCode.CLOCK_SKEW);
    CheckedEvent badIp = post(params("pv", "ip", "not-an-ip"));
    assertThat(badIp.rejection().reason()).isEqualTo(ReasonCode.INVALID_FIELD);
    assertThat(badIp.rejection().field()).isEqualTo("/context/ip");
  }

  // --- the pixel -----------------------------------------------------------------------------

  static List<Map.Entry<String, String>> query(Map<String, String> params) {
    return new ArrayList<>(params.entrySet().stream().map(en -> Map.entry(en.getKey(), en.getValue())).toList());
  }

  @Test
  void aPixelTakesTheUserAgentHeaderWhenThereIsNoUaParameter() {
    Map<String, String> p = params("pv", "url", "https://shop.example/a?b=\"c\"", "page", "A & B");
    CheckedEvent e = decoder.decodePixel(query(p), "Mozilla/5.0 (header)", NOW);

    assertThat(e.accepted()).as("%s", e.rejection()).isTrue();
    assertThat(e.index()).isZero();
    assertThat(e.event().getContext().getUserAgent()).isEqualTo("Mozilla/5.0 (header)");
    assertThat(e.event().getPayloadJson()).isEqualTo("{\"path\":\"/a\",\"title\":\"A & B\"}");
    assertThat(parseObject(e.original())).as("the original is every parameter, as a JSON object of strings")
        .isEqualTo(p);

    Map<String, String> withUa = params("pv", "ua", "Tracker/1.0");
    assertThat(decoder.decodePixel(query(withUa), "Mozilla/5.0 (header)", NOW).event().getContext().getUserAgent())
        .isEqualTo("Tracker/1.0");
  }

  @Test
  void aPixelParameterGivenTwiceIsRejectedAndBothValuesAreKeptForReplay() {
    List<Map.Entry<String, String>> q = query(params("pv"));
    q.add(Map.entry("e", "se"));
    CheckedEvent e = decoder.decodePixel(q, null, NOW);

    assertThat(e.rejection().reason()).isEqualTo(ReasonCode.DUPLICATE_KEY);
    assertThat(e.rejection().field()).isEqualTo("/e");
    assertThat(parseObject(e.original())).containsEntry("e", "pv|se").containsEntry("eid", EID);
  }

  @Test
  void aPixelValueThatIsNotUnicodeIsRejectedAndTheOriginalIsStillJson() {
    List<Map.Entry<String, String>> q = query(params("pv"));
    q.add(Map.entry("page", "a\ud800b"));
    CheckedEvent e = decoder.decodePixel(q, null, NOW);

    assertThat(e.rejection().reason()).isEqualTo(ReasonCode.INVALID_FIELD);
    assertThat(e.rejection().field()).isEqualTo("/page");
    assertThat(parseObject(e.original())).containsEntry("page", "a?b").containsEntry("eid", EID);
  }

  @Test
  void aPostTakesTheUserAgentHeaderForEventsWithoutUa() throws Exception {
    List<CheckedEvent> events = decoder.decodePayloadData(
        body(item(params("pv")), item(params("pv", "ua", "Tracker/1.0"))), "Mozilla/5.0 (header)", NOW);
    assertThat(events).extracting(e -> e.event().getContext().getUserAgent())
        .containsExactly("Mozilla/5.0 (header)", "Tracker/1.0");
  }

  // --- the body and its items ----------------------------------------------------------------

  static Stream<Arguments> malformedBodies() {
    String item = item(params("pv"));
    return Stream.of(
        arguments("not JSON", "{\"schema\":\"" + PAYLOAD_DATA + "\",\n\"data\":[" + item + ",}", 2),
        arguments("empty", "", 1),
        arguments("an array", "[" + item + "]", 1),
        arguments("no data", "{\"schema\":\"" + PAYLOAD_DATA + "\"}", 1),
        arguments("no schema", "{\"data\":[" + item + "]}", 1),
        arguments("data not an array", "{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":" + item + "}", 1),
        arguments("empty data", "{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":[]}", 1),
        arguments("another schema", "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/2-0-0\",\n"
            + "\"data\":[" + item + "]}", 1),
        arguments("the schema given twice", "{\"schema\":\"" + PAYLOAD_DATA + "\",\n\"schema\":\"" + PAYLOAD_DATA
            + "\",\"data\":[" + item + "]}", 2),
        arguments("an unknown key", "{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":[" + item + "],\n\"extra\":1}", 2),
        arguments("trailing content", "{\"schema\":\"" + PAYLOAD_DATA + "\",\"data\":[" + item + "]}\n{}", 2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedBodies")
  void aMalformedBodyIsRefusedWholeWithWhereTheFaultIs(String name, String body, int line) {
    assertThatThrownBy(() -> decoder.decodePayloadData(body.getBytes(StandardCharsets.UTF_8), NOW))
        .isInstanceOfSatisfying(MalformedBodyException.class, m -> {
          assertThat(m.line()).isEqualTo(line);
          assertThat(m.column()).isPositive();
          assertThat(m.getMessage()).doesNotContain("\"eid\"");
        });
  }

  @Test
  void anyPayloadDataRevision10xIsTaken() throws Exception {
    byte[] body = ("{\"data\":[" + item(params("pv")) + "],\"schema\":"
        + "\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-0\"}").getBytes(StandardCharsets.UTF_8);
    assertThat(decoder.decodePayloadData(body, NOW)).singleElement().satisfies(e -> assertThat(e.accepted()).isTrue());
  }

  @Test
  void moreItemsThanABatchMayHoldRefuseTheRequest() {
    String[] items = new String[LIMITS.maxBatchEvents() + 1];
    java.util.Arrays.fill(items, item(params("pv")));
    assertThatThrownBy(() -> decoder.decodePayloadData(body(items), NOW)).isInstanceOf(TooManyEventsException.class);
  }

  @Test
  void anItemThatIsNotAnObjectIsRejectedAloneAndTheOthersGoOn() throws Exception {
    List<CheckedEvent> events = decoder.decodePayloadData(
        body(item(params("pv")), "[42, \"x\"]", item(params("pp"))), NOW);
    assertThat(events).extracting(CheckedEvent::index).containsExactly(0, 1, 2);
    assertThat(events.get(0).accepted()).isTrue();
    assertThat(events.get(1).rejection().reason()).isEqualTo(ReasonCode.NOT_AN_OBJECT);
    assertThat(new String(events.get(1).original(), StandardCharsets.UTF_8)).isEqualTo("[42, \"x\"]");
    assertThat(events.get(2).accepted()).isTrue();
  }

  @Test
  void aValueThatIsNotAStringIsRejectedNamingTheParameter() throws Exception {
    String item = item(params("pv")).replace("}", ",\"vid\":3,\"res\":{\"w\":1}}");
    CheckedEvent e = decoder.decodePayloadData(body(item), NOW).get(0);
    assertThat(e.rejection().reason()).isEqualTo(ReasonCode.WRONG_TYPE);
    assertThat(e.rejection().field()).isEqualTo("/vid");
    assertThat(new String(e.original(), StandardCharsets.UTF_8)).isEqualTo(item);
  }

  @Test
  void aParameterTwiceInAnItemIsRejected() throws Exception {
    String item = item(params("pv")).replace("}", ",\"e\":\"se\"}");
    CheckedEvent e = decoder.decodePayloadData(body(item), NOW).get(0);
    assertThat(e.rejection().reason()).isEqualTo(ReasonCode.DUPLICATE_KEY);
    assertThat(e.rejection().field()).isEqualTo("/e");
  }

  @Test
  void anUnpairedSurrogateIsRejectedNamingTheParameter() throws Exception {
    String item = item(params("pv")).replace("}", ",\"page\":\"a\\ud800b\"}");
    CheckedEvent e = decoder.decodePayloadData(body(item), NOW).get(0);
    assertThat(e.rejection().reason()).isEqualTo(ReasonCode.INVALID_FIELD);
    assertThat(e.rejection().field()).isEqualTo("/page");
  }

  @Test
  void anItemOverTheEventSizeLimitIsRejectedTooLarge() throws Exception {
    String huge = "x".repeat((int) LIMITS.maxEventBytes().toBytes());
    List<CheckedEvent> events = decoder.decodePayloadData(
        body(item(params("se", "se_ca", "a", "se_ac", "b", "se_la", huge)), item(params("pv"))), NOW);
    assertThat(events.get(0).rejection().reason()).isEqualTo(ReasonCode.EVENT_TOO_LARGE);
    assertThat(events.get(0).original().length).isGreaterThan(huge.length());
    assertThat(events.get(1).accepted()).isTrue();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"tr|'tr'", "ti|'ti'", "ad_impression|'ad_impression'", "PV|'PV'"})
  void anUnsupportedSnowplowEventTypeIsRejectedNamingIt(String e, String named) throws Exception {
    CheckedEvent c = post(params(e));
    assertThat(c.rejection().reason()).isEqualTo(ReasonCode.INVALID_EVENT_TYPE);
    assertThat(c.rejection().field()).isEqualTo("/e");
    assertThat(c.rejection().message()).contains(named);
  }

  @Test
  void anEventWithoutEIsRejected() throws Exception {
    CheckedEvent c = post(params("pv", "e", null));
    assertThat(c.rejection().reason()).isEqualTo(ReasonCode.INVALID_EVENT_TYPE);
    assertThat(c.rejection().field()).isEqualTo("/e");
  }
}
