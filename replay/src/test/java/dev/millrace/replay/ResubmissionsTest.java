package dev.millrace.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.ReplayRecord;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Transport;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ResubmissionsTest {

  private static final String REPLAY = "3f2a1b0c-9d8e-4f70-8a6b-5c4d3e2f1a0b";

  private static String header(ProducerRecord<String, byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  @Test
  void anEnricherDeadLetterGoesBackToTheRawTopicWithItsOriginalMetadataAndTheReplayId() throws Exception {
    Found f = Letters.enricher(12, ReasonCode.SCHEMA_VIOLATION);
    ProducerRecord<String, byte[]> r = Resubmissions.rawRecord(f, REPLAY, "raw-x");

    RawEvent sent = RawEvent.parseFrom(r.value());
    RawEvent original = RawEvent.parseFrom(f.deadLetter().getOriginal());
    assertThat(r.topic()).isEqualTo("raw-x");
    assertThat(r.key()).isEqualTo("e-12");
    assertThat(sent.getEvent()).isEqualTo(original.getEvent());
    assertThat(sent.getMetadata()).isEqualTo(original.getMetadata().toBuilder().setReplayId(REPLAY).build());
    assertThat(header(r, WireNames.HEADER_EVENT_ID)).isEqualTo("e-12");
    assertThat(header(r, WireNames.HEADER_EVENT_TYPE)).isEqualTo("plan_changed");
    assertThat(header(r, WireNames.HEADER_SCHEMA_VERSION)).isEqualTo("1-0-1");
    assertThat(header(r, WireNames.HEADER_CONTENT_TYPE)).isEqualTo("millrace.v1.RawEvent");
    assertThat(header(r, WireNames.HEADER_REPLAY_ID)).isEqualTo(REPLAY);
  }

  @Test
  void theReplayRecordIsKeyedByTheDeadLettersCoordinates() throws Exception {
    Found f = Letters.enricher(12, ReasonCode.UNKNOWN_SCHEMA);
    ProducerRecord<String, byte[]> r = Resubmissions.replayRecord(f, REPLAY, "millrace.raw", true, Letters.T0, "rep");

    assertThat(r.topic()).isEqualTo("rep");
    assertThat(r.key()).isEqualTo("millrace.dead-letter.enricher-0@12");
    ReplayRecord record = ReplayRecord.parseFrom(r.value());
    assertThat(record.getReplayId()).isEqualTo(REPLAY);
    assertThat(record.getDeadLetterOffset()).isEqualTo(12);
    assertThat(record.getStage()).isEqualTo(Stage.STAGE_ENRICHER);
    assertThat(record.getReason()).isEqualTo(ReasonCode.UNKNOWN_SCHEMA);
    assertThat(record.getEventId()).isEqualTo("e-12");
    assertThat(record.getTarget()).isEqualTo("millrace.raw");
    assertThat(record.getForced()).isTrue();
    assertThat(record.getReplayedAt().getSeconds()).isEqualTo(Letters.T0.getEpochSecond());
  }

  @Test
  void aRestOriginalIsPostedToTheEventsApiAsItWasSent() {
    String original = "{\"event_id\":\"x\",\"event_type\":\"page_view\"}";
    var request = Resubmissions.collectorRequest(Letters.collector(1, Transport.TRANSPORT_REST,
        ByteString.copyFromUtf8(original), ReasonCode.INVALID_EVENT_ID).deadLetter());
    assertThat(request.path()).isEqualTo("/v1/events");
    assertThat(request.bodyText()).isEqualTo(original);
  }

  @Test
  void aSegmentOriginalIsPostedToTheBatchApiInABatch() {
    String message = "{\"type\":\"track\",\"event\":\"Order Completed\",\"properties\":{}}";
    var request = Resubmissions.collectorRequest(Letters.collector(1, Transport.TRANSPORT_SEGMENT,
        ByteString.copyFromUtf8(message), ReasonCode.MISSING_FIELD).deadLetter());
    assertThat(request.path()).isEqualTo("/v1/batch");
    assertThat(request.bodyText()).isEqualTo("{\"batch\":[" + message + "]}");
  }

  @Test
  void aSnowplowOriginalIsPostedToTp2InPayloadData() {
    String params = "{\"e\":\"pv\",\"eid\":\"x\",\"aid\":\"shopweb\"}";
    var request = Resubmissions.collectorRequest(Letters.collector(1, Transport.TRANSPORT_SNOWPLOW,
        ByteString.copyFromUtf8(params), ReasonCode.INVALID_EVENT_TYPE).deadLetter());
    assertThat(request.path()).isEqualTo("/com.snowplowanalytics.snowplow/tp2");
    assertThat(request.bodyText()).isEqualTo(
        "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":[" + params + "]}");
  }

  @Test
  void aGrpcOriginalIsPostedAsTheRestJsonOfItsEventWithThePayloadAsAnObject() {
    Event event = Event.newBuilder().setEventId("6f1c2b0e-7c43-4a47-9c1e-6b1f0f5d2a10").setEventType("add_to_cart")
        .setSchemaVersion("1-0-0").setOccurredAt(Timestamp.newBuilder().setSeconds(1_790_000_000L))
        .setSource("app").setContext(Context.newBuilder().setUserId("u-1").setLocale("en-GB"))
        .setPayloadJson("{\"price\":12345678901234567890.01,\"sku\":\"K\"}").build();
    var request = Resubmissions.collectorRequest(Letters.collector(1, Transport.TRANSPORT_GRPC,
        event.toByteString(), ReasonCode.CLOCK_SKEW).deadLetter());

    assertThat(request.path()).isEqualTo("/v1/events");
    JsonNode json = JsonMapper.builder().build().readTree(request.bodyText());
    assertThat(json.get("event_id").asString()).isEqualTo("6f1c2b0e-7c43-4a47-9c1e-6b1f0f5d2a10");
    assertThat(json.get("occurred_at").asString()).isEqualTo("2026-09-21T14:13:20Z");
    assertThat(json.at("/context/user_id").asString()).isEqualTo("u-1");
    assertThat(json.has("payload_json")).isFalse();
    assertThat(json.at("/payload/sku").asString()).isEqualTo("K");
    assertThat(request.bodyText()).as("numbers stay exact").contains("12345678901234567890.01");
  }

  @Test
  void aGrpcPayloadThatIsNotJsonIsSentAsTextForTheCollectorToRefuseAgain() {
    Event event = Event.newBuilder().setEventId("x").setPayloadJson("[1,").build();
    var request = Resubmissions.collectorRequest(Letters.collector(1, Transport.TRANSPORT_GRPC,
        event.toByteString(), ReasonCode.PAYLOAD_NOT_OBJECT).deadLetter());
    assertThat(request.bodyText()).isEqualTo("{\"event_id\":\"x\",\"payload\":\"[1,\"}");
  }
}
