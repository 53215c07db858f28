package dev.millrace.collector.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.google.protobuf.Timestamp;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The top-level rules as a table: one JSON event in, the answer a producer gets out. */
class EventValidationTest {

  private static final String ID = "0b7c7f9e-3c1b-4d39-9a55-0c2b1d0e4f21";
  private final EventValidator validator = new EventValidator(Fixtures.limits(10, org.springframework.util.unit.DataSize.ofKilobytes(4)), Fixtures.CLOCK);
  private final JsonEventDecoder decoder = new JsonEventDecoder(validator);

  /** A valid event with some fields replaced by raw JSON (null value = field removed). */
  static String ev(String... replacements) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("event_id", "\"" + ID + "\"");
    fields.put("event_type", "\"page_view\"");
    fields.put("schema_version", "\"1-0-0\"");
    fields.put("occurred_at", "\"2026-03-01T11:59:00Z\"");
    fields.put("source", "\"shop-web\"");
    fields.put("context", "{\"user_id\":\"u-1\",\"ip\":\"203.0.113.9\"}");
    fields.put("payload", "{\"sku\":\"A-1\"}");
    for (int i = 0; i < replacements.length; i += 2) {
      if (replacements[i + 1] == null) {
        fields.remove(replacements[i]);
      } else {
        fields.put(replacements[i], replacements[i + 1]);
      }
    }
    StringBuilder json = new StringBuilder("{");
    fields.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
    return json.append('}').toString();
  }

  static String nested(int depth) {
    return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        arguments("a complete event", ev(), null, ""),
        arguments("unicode text and keys", ev("source", "\"店舗-web 🚀\"", "payload",
            "{\"名前\":\"Zoë 👩‍👩‍👧\",\"rtl\":\"שלום\"}"), null, ""),
        arguments("huge and precise numbers", ev("payload",
            "{\"big\":123456789012345678901234567890123456789012345678901234567890,\"tiny\":1.000000000000000000000000001e-400}"), null, ""),
        arguments("payload at the depth limit", ev("payload", nested(8)), null, ""),
        arguments("payload past the depth limit", ev("payload", nested(9)),
            ReasonCode.INVALID_FIELD, "/payload/a/a/a/a/a/a/a/a"),
        arguments("deep arrays count too", ev("payload", "{\"a\":[[[[[[[[1]]]]]]]]}"),
            ReasonCode.INVALID_FIELD, "/payload/a/0/0/0/0/0/0/0"),
        arguments("null source and context are absent", ev("source", "null", "context", "null"), null, ""),
        arguments("null event_id", ev("event_id", "null"), ReasonCode.MISSING_FIELD, "/event_id"),
        arguments("missing event_type", ev("event_type", null), ReasonCode.MISSING_FIELD, "/event_type"),
        arguments("missing occurred_at", ev("occurred_at", null), ReasonCode.MISSING_FIELD, "/occurred_at"),
        arguments("null payload", ev("payload", "null"), ReasonCode.MISSING_FIELD, "/payload"),
        arguments("missing payload", ev("payload", null), ReasonCode.MISSING_FIELD, "/payload"),
        arguments("empty event_id", ev("event_id", "\"\""), ReasonCode.MISSING_FIELD, "/event_id"),
        arguments("duplicated top-level key", ev() .replace("\"source\":\"shop-web\"",
            "\"source\":\"shop-web\",\"source\":\"other\""), ReasonCode.DUPLICATE_KEY, "/source"),
        arguments("duplicated payload key", ev("payload", "{\"a\":1,\"a\":2}"), ReasonCode.DUPLICATE_KEY, "/payload/a"),
        arguments("duplicated key deep in the payload", ev("payload", "{\"x\":[{\"b\":1},{\"b\":1,\"b\":2}]}"),
            ReasonCode.DUPLICATE_KEY, "/payload/x/1/b"),
        arguments("same key in sibling objects is fine", ev("payload", "{\"x\":{\"b\":1},\"y\":{\"b\":1}}"), null, ""),
        arguments("duplicated context key", ev("context", "{\"user_id\":\"a\",\"user_id\":\"b\"}"),
            ReasonCode.DUPLICATE_KEY, "/context/user_id"),
        arguments("event_id as a number", ev("event_id", "12345"), ReasonCode.WRONG_TYPE, "/event_id"),
        arguments("occurred_at as epoch millis", ev("occurred_at", "1772366340000"), ReasonCode.WRONG_TYPE, "/occurred_at"),
        arguments("event_type as an object", ev("event_type", "{\"n\":\"x\"}"), ReasonCode.WRONG_TYPE, "/event_type"),
        arguments("context as a string", ev("context", "\"ctx\""), ReasonCode.WRONG_TYPE, "/context"),
        arguments("context field as a number", ev("context", "{\"user_id\":42}"), ReasonCode.WRONG_TYPE, "/context/user_id"),
        arguments("payload as an array", ev("payload", "[1,2]"), ReasonCode.PAYLOAD_NOT_OBJECT, "/payload"),
        arguments("payload as JSON text in a string", ev("payload", "\"{\\\"a\\\":1}\""), ReasonCode.PAYLOAD_NOT_OBJECT, "/payload"),
        arguments("not a UUID", ev("event_id", "\"not-a-uuid\""), ReasonCode.INVALID_EVENT_ID, "/event_id"),
        arguments("a UUID java would stretch", ev("event_id", "\"1-1-1-1-1\""), ReasonCode.INVALID_EVENT_ID, "/event_id"),
        arguments("a UUID in braces", ev("event_id", "\"{" + ID + "}\""), ReasonCode.INVALID_EVENT_ID, "/event_id"),
        arguments("an upper-case UUID", ev("event_id", "\"" + ID.toUpperCase() + "\""), null, ""),
        arguments("camel case event type", ev("event_type", "\"PageView\""), ReasonCode.INVALID_EVENT_TYPE, "/event_type"),
        arguments("event type with a dash", ev("event_type", "\"page-view\""), ReasonCode.INVALID_EVENT_TYPE, "/event_type"),
        arguments("dotted version", ev("schema_version", "\"1.0.0\""), ReasonCode.INVALID_SCHEMA_VERSION, "/schema_version"),
        arguments("model 0", ev("schema_version", "\"0-1-0\""), ReasonCode.INVALID_SCHEMA_VERSION, "/schema_version"),
        arguments("leading zero", ev("schema_version", "\"01-0-0\""), ReasonCode.INVALID_SCHEMA_VERSION, "/schema_version"),
        arguments("timestamp without offset", ev("occurred_at", "\"2026-03-01T11:59:00\""), ReasonCode.INVALID_TIMESTAMP, "/occurred_at"),
        arguments("month 13", ev("occurred_at", "\"2026-13-01T11:59:00Z\""), ReasonCode.INVALID_TIMESTAMP, "/occurred_at"),
        arguments("a word for a time", ev("occurred_at", "\"yesterday\""), ReasonCode.INVALID_TIMESTAMP, "/occurred_at"),
        arguments("offset and nanos", ev("occurred_at", "\"2026-03-01t13:59:00.123456789+02:00\""), null, ""),
        arguments("9 minutes ahead", ev("occurred_at", "\"2026-03-01T12:09:00Z\""), null, ""),
        arguments("11 minutes ahead", ev("occurred_at", "\"2026-03-01T12:11:00Z\""), ReasonCode.CLOCK_SKEW, "/occurred_at"),
        arguments("31 days old", ev("occurred_at", "\"2026-01-29T12:00:00Z\""), ReasonCode.CLOCK_SKEW, "/occurred_at"),
        arguments("unknown top-level field", ev("eventType", "\"page_view\""), ReasonCode.INVALID_FIELD, "/eventType"),
        arguments("unknown context field", ev("context", "{\"userId\":\"u\"}"), ReasonCode.INVALID_FIELD, "/context/userId"),
        arguments("lone surrogate", ev("source", "\"\\ud800x\""), ReasonCode.INVALID_FIELD, "/source"),
        arguments("NUL in a field", ev("source", "\"a\\u0000b\""), ReasonCode.INVALID_FIELD, "/source"),
        arguments("over-long field", ev("context", "{\"user_agent\":\"" + "x".repeat(257) + "\"}"),
            ReasonCode.INVALID_FIELD, "/context/user_agent"),
        arguments("not an IP", ev("context", "{\"ip\":\"example.com\"}"), ReasonCode.INVALID_FIELD, "/context/ip"),
        arguments("over the event size limit", ev("payload", "{\"blob\":\"" + "x".repeat(4096) + "\"}"),
            ReasonCode.EVENT_TOO_LARGE, ""),
        arguments("a string item", "\"hello\"", ReasonCode.NOT_AN_OBJECT, ""),
        arguments("a number item", "42", ReasonCode.NOT_AN_OBJECT, ""),
        arguments("a null item", "null", ReasonCode.NOT_AN_OBJECT, ""),
        arguments("an array item", "[{\"event_id\":\"x\"}]", ReasonCode.NOT_AN_OBJECT, ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachEventGetsTheAnswerItsProducerExpects(String name, String item, ReasonCode reason, String field) throws Exception {
    String body = "[" + ev("event_id", "\"" + Fixtures.uuid() + "\"") + "," + item + "]";
    List<CheckedEvent> events = decoder.decode(body.getBytes(StandardCharsets.UTF_8));

    assertThat(events).hasSize(2);
    assertThat(events.get(0).accepted()).as("a valid neighbour is unaffected").isTrue();
    CheckedEvent checked = events.get(1);
    assertThat(checked.index()).isEqualTo(1);
    if (reason == null) {
      assertThat(checked.rejection()).isNull();
    } else {
      assertThat(checked.rejection()).isNotNull();
      assertThat(checked.rejection().reason()).isEqualTo(reason);
      assertThat(checked.rejection().field()).isEqualTo(field);
      assertThat(checked.rejection().message()).isNotBlank();
    }
    assertThat(new String(checked.original(), StandardCharsets.UTF_8))
        .as("the original bytes are the item exactly as sent").isEqualTo(item);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "2026-03-01T11:59:00Z", "2026-03-01t11:59:00z", "2024-02-29T23:59:59.999999999+14:00",
      "1970-01-01T00:00:00.1-00:30", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.5+01:00",
      "2026-03-01T00:00:00.000-18:00"})
  void rfc3339TimesReadAsJavaTimeReadsThem(String text) {
    java.time.OffsetDateTime expected = java.time.OffsetDateTime.parse(text.toUpperCase(java.util.Locale.ROOT));

    assertThat(JsonEventDecoder.timestamp(text)).isEqualTo(Timestamp.newBuilder()
        .setSeconds(expected.toEpochSecond()).setNanos(expected.getNano()).build());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "", "2026-03-01", "2026-03-01T11:59Z", "2026-03-01T11:59:00", "2026-02-29T00:00:00Z",
      "2026-13-01T00:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T23:60:00Z", "2026-03-01T23:59:60Z",
      "2026-03-01T11:59:00.Z", "2026-03-01T11:59:00.1234567890Z", "2026-03-01T11:59:00+2:00",
      "2026-03-01T11:59:00+24:00", "2026-03-01T11:59:00-18:01", "2026-03-01 11:59:00Z", "2026-03-01T11:59:00Zjunk",
      "２０２６-03-01T11:59:00Z", "2026-03-01T11:59:00.١Z", "+2026-03-01T11:59:00Z"})
  void otherTimesAreRefused(String text) {
    assertThat(JsonEventDecoder.timestamp(text)).isNull();
  }

  @Test
  void thePayloadIsKeptByteForByte() throws Exception {
    String payload = "{ \"big\" : 123456789012345678901234567890.000000000000000000001e+309,\n\"s\":\"caf\\u00e9 ☕\", \"n\":[1.0,2E3] }";
    List<CheckedEvent> events = decoder.decode(ev("payload", payload).getBytes(StandardCharsets.UTF_8));

    assertThat(events.get(0).accepted()).isTrue();
    assertThat(events.get(0).event().getPayloadJson()).isEqualTo(payload);
  }

  @Test
  void aSingleObjectIsABatchOfOne() throws Exception {
    List<CheckedEvent> events = decoder.decode(ev().getBytes(StandardCharsets.UTF_8));

    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.accepted()).isTrue();
      assertThat(e.event().getEventId()).isEqualTo(ID);
      assertThat(e.event().getOccurredAt()).isEqualTo(Timestamp.newBuilder().setSeconds(1772366340L).build());
      assertThat(e.event().getContext().getUserId()).isEqualTo("u-1");
    });
  }

  @Test
  void malformedJsonIsRefusedWholeWithItsLocation() {
    byte[] body = ("[" + ev() + ",\n  {\"event_id\": oops}]").getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> decoder.decode(body))
        .isInstanceOfSatisfying(MalformedBodyException.class, e -> {
          assertThat(e.line()).isEqualTo(2);
          assertThat(e.column()).isGreaterThan(1);
        });
  }

  @Test
  void bodiesThatAreNotABatchAreRefusedWhole() {
    for (String body : List.of("", "   ", "[]", "42", "\"x\"", "[" + ev() + "] trailing", "[" + ev(), "{\"a\":1}{")) {
      assertThatThrownBy(() -> decoder.decode(body.getBytes(StandardCharsets.UTF_8)))
          .as(body).isInstanceOf(MalformedBodyException.class);
    }
  }

  @Test
  void invalidUtf8IsRefusedWhole() {
    byte[] body = ev("source", "\"\u00ff\"").getBytes(StandardCharsets.ISO_8859_1);

    assertThatThrownBy(() -> decoder.decode(body)).isInstanceOf(MalformedBodyException.class);
  }

  @Test
  void invalidUtf8InsideThePayloadIsRejectedNotReplaced() throws Exception {
    byte[] good = ev("payload", "{\"a\":\"XY\"}").getBytes(StandardCharsets.UTF_8);
    String text = new String(good, StandardCharsets.ISO_8859_1);
    // an encoded UTF-16 surrogate (CESU-8): the parser skips it inside the payload, UTF-8 forbids it
    byte[] body = text.replace("XY", "\u00ed\u00a0\u0080").getBytes(StandardCharsets.ISO_8859_1);

    List<CheckedEvent> events = decoder.decode(body);

    assertThat(events.get(0).rejection()).isNotNull();
    assertThat(events.get(0).rejection().reason()).isEqualTo(ReasonCode.INVALID_FIELD);
    assertThat(events.get(0).rejection().field()).isEqualTo("/payload");
  }

  @Test
  void moreEventsThanTheLimitIsRefusedWhole() {
    String body = "[" + String.join(",", java.util.Collections.nCopies(11, ev())) + "]";

    assertThatThrownBy(() -> decoder.decode(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(TooManyEventsException.class);
  }

  @Test
  void hostileNestingIsRefusedWholeWithoutOverflowingTheStack() {
    String body = "[" + ev("payload", "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}") + "]";

    assertThatThrownBy(() -> decoder.decode(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedBodyException.class);
  }

  static Stream<Arguments> protoCases() {
    Event ok = Event.newBuilder().setEventId(ID).setEventType("page_view").setSchemaVersion("1-0-0")
        .setOccurredAt(Timestamp.newBuilder().setSeconds(1772366340L)).setPayloadJson("{\"a\":1}").build();
    return Stream.of(
        arguments("a complete event", ok, null, ""),
        arguments("payload an array", ok.toBuilder().setPayloadJson("[1]").build(), ReasonCode.PAYLOAD_NOT_OBJECT, "/payload"),
        arguments("payload not JSON", ok.toBuilder().setPayloadJson("{\"a\":").build(), ReasonCode.PAYLOAD_NOT_OBJECT, "/payload"),
        arguments("payload with trailing text", ok.toBuilder().setPayloadJson("{} {}").build(), ReasonCode.PAYLOAD_NOT_OBJECT, "/payload"),
        arguments("payload duplicated key", ok.toBuilder().setPayloadJson("{\"a\":1,\"a\":1}").build(), ReasonCode.DUPLICATE_KEY, "/payload/a"),
        arguments("payload too deep", ok.toBuilder().setPayloadJson(nested(9)).build(), ReasonCode.INVALID_FIELD, "/payload/a/a/a/a/a/a/a/a"),
        arguments("payload empty", ok.toBuilder().clearPayloadJson().build(), ReasonCode.MISSING_FIELD, "/payload"),
        arguments("no occurred_at", ok.toBuilder().clearOccurredAt().build(), ReasonCode.MISSING_FIELD, "/occurred_at"),
        arguments("occurred_at out of range", ok.toBuilder().setOccurredAt(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE)).build(),
            ReasonCode.INVALID_TIMESTAMP, "/occurred_at"),
        arguments("negative nanos", ok.toBuilder().setOccurredAt(Timestamp.newBuilder().setSeconds(1772366340L).setNanos(-1)).build(),
            ReasonCode.INVALID_TIMESTAMP, "/occurred_at"),
        arguments("bad id", ok.toBuilder().setEventId("x").build(), ReasonCode.INVALID_EVENT_ID, "/event_id"));
  }

  @ParameterizedTest(name = "gRPC: {0}")
  @MethodSource("protoCases")
  void grpcEventsMeetTheSameRules(String name, Event event, ReasonCode reason, String field) {
    CheckedEvent checked = validator.checkProto(event, 3);

    assertThat(checked.index()).isEqualTo(3);
    if (reason == null) {
      assertThat(checked.rejection()).isNull();
    } else {
      assertThat(checked.original()).as("a dead letter carries the bytes as sent").isEqualTo(event.toByteArray());
      assertThat(checked.rejection().reason()).isEqualTo(reason);
      assertThat(checked.rejection().field()).isEqualTo(field);
    }
  }
}
