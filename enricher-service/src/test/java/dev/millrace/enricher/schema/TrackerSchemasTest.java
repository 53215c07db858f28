package dev.millrace.enricher.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.proto.v1.Violation;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The shipped schemas of the events the collector maps from Snowplow's tracker protocol
 * ({@code page_ping}, {@code structured_event}) and Segment's API ({@code page}, {@code screen},
 * {@code identify}, {@code group}, {@code alias}, the {@code segment_track} fallback) take the
 * payloads it writes and refuse the rest.
 */
class TrackerSchemasTest {

  private final PayloadValidator validator = new PayloadValidator(SchemaStore.at("classpath:schemas"));

  @Test
  void aPagePingTakesAnyOfItsIntegerOffsets() {
    assertThat(validator.validate("page_ping", "1-0-0", "{\"min_x\":0,\"max_x\":100,\"min_y\":-12,\"max_y\":2400}"))
        .isEqualTo(Validation.VALID);
    assertThat(validator.validate("page_ping", "1-0-0", "{}")).isEqualTo(Validation.VALID);
    assertThat(validator.validate("page_ping", "1-0-0", "{\"min_x\":1.5,\"scroll\":3}"))
        .isInstanceOfSatisfying(Validation.Invalid.class, i -> assertThat(i.violations())
            .extracting(Violation::getPointer, Violation::getKeyword)
            .containsExactlyInAnyOrder(Tuple.tuple("/payload/min_x", "type"),
                Tuple.tuple("/payload", "additionalProperties")));
  }

  @Test
  void aStructuredEventNeedsACategoryAndAnActionWithinSnowplowsLengths() {
    assertThat(validator.validate("structured_event", "1-0-0", "{\"category\":\"media\",\"action\":\"play-video\","
        + "\"label\":\"dog-skateboarding\",\"property\":\"hd\",\"value\":13.99}")).isEqualTo(Validation.VALID);
    assertThat(validator.validate("structured_event", "1-0-0", "{\"category\":\"media\",\"action\":\"play\"}"))
        .isEqualTo(Validation.VALID);
    assertThat(validator.validate("structured_event", "1-0-0",
        "{\"category\":\"" + "c".repeat(1001) + "\",\"label\":\"" + "l".repeat(4097) + "\",\"value\":\"13.99\"}"))
        .isInstanceOfSatisfying(Validation.Invalid.class, i -> assertThat(i.violations())
            .extracting(Violation::getPointer, Violation::getKeyword)
            .containsExactlyInAnyOrder(Tuple.tuple("/payload/category", "maxLength"),
                Tuple.tuple("/payload/label", "maxLength"), Tuple.tuple("/payload/value", "type"),
                Tuple.tuple("/payload", "required")));
  }

  @Test
  void segmentCallsTakeThePayloadsTheCollectorWrites() {
    assertThat(validator.validate("page", "1-0-0", "{\"name\":\"Home\",\"properties\":{\"path\":\"/\",\"x\":[1]}}"))
        .isEqualTo(Validation.VALID);
    assertThat(validator.validate("screen", "1-0-0", "{\"name\":\"Cart\",\"category\":\"shop\",\"properties\":{}}"))
        .isEqualTo(Validation.VALID);
    assertThat(validator.validate("identify", "1-0-0", "{\"traits\":{\"plan\":\"pro\"}}")).isEqualTo(Validation.VALID);
    assertThat(validator.validate("group", "1-0-0", "{\"group_id\":\"g-9\",\"traits\":{}}")).isEqualTo(Validation.VALID);
    assertThat(validator.validate("alias", "1-0-0", "{\"previous_id\":\"anon-1\"}")).isEqualTo(Validation.VALID);
    assertThat(validator.validate("group", "1-0-0", "{\"traits\":{}}")).isInstanceOf(Validation.Invalid.class);
    assertThat(validator.validate("alias", "1-0-0", "{\"previous_id\":\"\"}")).isInstanceOf(Validation.Invalid.class);
  }

  @Test
  void aSegmentTrackWithoutASchemaOfItsOwnIsCheckedAgainstTheFallbackAndANativeEventIsNot() {
    PayloadValidator withFallback = new PayloadValidator(SchemaStore.at("classpath:schemas"), "segment_track/1-0-0");
    com.google.protobuf.ByteString properties = com.google.protobuf.ByteString.copyFromUtf8("{\"plan\":\"pro\"}");

    assertThat(withFallback.validate("plan_upgraded", "1-0-0", properties, dev.millrace.proto.v1.Transport.TRANSPORT_SEGMENT))
        .isEqualTo(Validation.VALID);
    assertThat(withFallback.validate("plan_upgraded", "1-0-0", properties, dev.millrace.proto.v1.Transport.TRANSPORT_REST))
        .isInstanceOf(Validation.UnknownSchema.class);
    // a track mapped to a type with a schema is checked against that schema, not the fallback
    assertThat(withFallback.validate("signup", "1-0-0", properties, dev.millrace.proto.v1.Transport.TRANSPORT_SEGMENT))
        .isInstanceOf(Validation.Invalid.class);
    // no fallback configured: unknown, as a native event
    assertThat(validator.validate("plan_upgraded", "1-0-0", properties, dev.millrace.proto.v1.Transport.TRANSPORT_SEGMENT))
        .isInstanceOf(Validation.UnknownSchema.class);
  }
}
