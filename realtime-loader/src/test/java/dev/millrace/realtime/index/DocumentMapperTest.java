package dev.millrace.realtime.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.realtime.Events;
import dev.millrace.realtime.config.RealtimeProperties;
import dev.millrace.realtime.config.RealtimeProperties.TimeField;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class DocumentMapperTest {

  static final JsonMapper JSON = JsonMapper.builder().build();
  static final Instant RECORD_TIME = Instant.parse("2026-11-21T23:59:59Z");

  static RealtimeProperties.Index index(TimeField field) {
    return Events.indexSettings(field);
  }

  final DocumentMapper mapper = new DocumentMapper(index(TimeField.RECEIVED_AT), JSON);

  static Origin origin(String eventId) {
    return new Origin("millrace.enriched", 3, 42, RECORD_TIME.toEpochMilli(), eventId);
  }

  static JsonNode json(LoaderDocument doc) {
    return JSON.readTree(doc.source());
  }

  @Test
  void anEventIsIndexedUnderItsEventIdSoARedeliveryOverwritesIt() throws Exception {
    EnrichedEvent e = Events.enriched(7);
    LoaderDocument doc = mapper.event(e, origin(Events.eventId(7)), e.toByteArray());

    assertThat(doc.id()).isEqualTo(Events.eventId(7));
    assertThat(doc.kind()).isEqualTo(LoaderDocument.Kind.EVENT);
    assertThat(doc.index()).isEqualTo("millrace-events-2026.11.20");
  }

  @Test
  void envelopeMetadataAndEnrichmentBecomeSearchableFields() throws Exception {
    EnrichedEvent e = Events.enriched(7);
    JsonNode doc = json(mapper.event(e, origin(Events.eventId(7)), e.toByteArray()));

    assertThat(doc.get("event_id").asString()).isEqualTo(Events.eventId(7));
    assertThat(doc.get("event_type").asString()).isEqualTo("add_to_cart");
    assertThat(doc.get("occurred_at").asString()).isEqualTo("2026-11-20T10:15:28Z");
    assertThat(doc.at("/metadata/received_at").asString()).isEqualTo("2026-11-20T10:15:30Z");
    assertThat(doc.at("/metadata/transport").asString()).isEqualTo("TRANSPORT_REST");
    assertThat(doc.at("/context/locale").asString()).isEqualTo("en-GB");
    assertThat(doc.at("/enrichment/user_agent/agent_name").asString()).isEqualTo("Chrome");
    assertThat(doc.at("/enrichment/campaign/click_id_type").asString()).isEqualTo("CLICK_ID_TYPE_GCLID");
    assertThat(doc.at("/enrichment/referrer/referrer_class").asString()).isEqualTo("REFERRER_CLASS_SEARCH");
    assertThat(doc.at("/enrichment/bot/score").asDouble()).isEqualTo(0.12);
    assertThat(doc.at("/enrichment/applied/2").asString()).isEqualTo("pii");
    assertThat(doc.at("/kafka/offset").asLong()).isEqualTo(42);
  }

  @Test
  void aReplayedEventIsSearchableByItsReplayIdAndAnEventSentOnceHasNone() throws Exception {
    EnrichedEvent once = Events.enriched(7);
    EnrichedEvent replayed = once.toBuilder().setRaw(once.getRaw().toBuilder()
        .setMetadata(once.getRaw().getMetadata().toBuilder().setReplayId("3f2a1b0c-9d8e-4f70-8a6b-5c4d3e2f1a0b"))).build();

    assertThat(json(mapper.event(replayed, origin(Events.eventId(7)), replayed.toByteArray()))
        .at("/metadata/replay_id").asString()).isEqualTo("3f2a1b0c-9d8e-4f70-8a6b-5c4d3e2f1a0b");
    assertThat(json(mapper.event(once, origin(Events.eventId(7)), once.toByteArray()))
        .at("/metadata/replay_id").isMissingNode()).isTrue();
    assertThat(new IndexTemplates(index(TimeField.RECEIVED_AT), JSON).bodies().get("millrace-events")
        .at("/template/mappings/properties/metadata/properties/replay_id/type").asString()).isEqualTo("keyword");
  }

  @Test
  void thePayloadIsCopiedByteForByteSoLargeNumbersStayExact() throws Exception {
    EnrichedEvent e = Events.enriched(7);
    String source = new String(mapper.event(e, origin(Events.eventId(7)), e.toByteArray()).source(),
        StandardCharsets.UTF_8);

    assertThat(source).contains("\"payload\":" + e.getRaw().getEvent().getPayloadJson());
  }

  @Test
  void unsetProtoFieldsAreLeftOut() throws Exception {
    EnrichedEvent e = Events.enriched(7).toBuilder().clearEnrichment().build();
    JsonNode doc = json(mapper.event(e, origin(Events.eventId(7)), e.toByteArray()));

    assertThat(doc.has("enrichment")).isFalse();
    assertThat(doc.at("/context").has("anonymous_id")).isFalse();
  }

  @Test
  void theIndexDayFollowsTheConfiguredTimeFieldAndFallsBackToTheRecordTimestamp() throws Exception {
    EnrichedEvent e = Events.enriched(7);
    DocumentMapper byEnrichedAt = new DocumentMapper(index(TimeField.ENRICHED_AT), JSON);
    EnrichedEvent noTimes = e.toBuilder().clearEnrichedAt().build();

    assertThat(byEnrichedAt.event(e, origin("x"), null).index()).isEqualTo("millrace-events-2026.11.20");
    assertThat(byEnrichedAt.event(noTimes, origin("x"), null).index()).isEqualTo("millrace-events-2026.11.21");
  }

  @Test
  void aPayloadThatIsNotAJsonObjectCannotBeADocument() {
    EnrichedEvent array = Events.enriched(Events.eventId(1), "[1,2]");
    EnrichedEvent broken = Events.enriched(Events.eventId(1), "{\"a\":");

    assertThatThrownBy(() -> mapper.event(array, origin("x"), null))
        .isInstanceOf(RejectedDocumentException.class).hasMessage("payload_json is not a JSON object");
    assertThatThrownBy(() -> mapper.event(broken, origin("x"), null))
        .isInstanceOf(RejectedDocumentException.class).hasMessageStartingWith("payload_json is not valid JSON");
  }

  @Test
  void aDeadLetterKeepsStageReasonMessageSourceAndIsIdentifiedByWhereItWasRead() {
    Origin origin = new Origin("millrace.dead-letter.enricher", 1, 9, RECORD_TIME.toEpochMilli(), Events.eventId(5));
    LoaderDocument doc = mapper.deadLetter(Events.enricherDeadLetter(5), origin);
    JsonNode json = json(doc);

    assertThat(doc.id()).isEqualTo("millrace.dead-letter.enricher-1-9");
    assertThat(doc.index()).isEqualTo("millrace-dead-letters-2026.11.20");
    assertThat(json.get("stage").asString()).isEqualTo("ENRICHER");
    assertThat(json.get("reason").asString()).isEqualTo("SCHEMA_VIOLATION");
    assertThat(json.get("message").asString()).isEqualTo("payload does not conform to add_to_cart 1-0-0");
    assertThat(json.get("source_topic").asString()).isEqualTo("millrace.raw");
    assertThat(json.get("source_offset").asLong()).isEqualTo(5);
    assertThat(json.get("event_id").asString()).isEqualTo(Events.eventId(5));
    assertThat(json.at("/violations/0/keyword").asString()).isEqualTo("minimum");
    // This mapper was given no enrichment settings: it shows nothing of the original and no client IP
    // (DeadLetterPrivacyTest covers what a configured one shows).
    assertThat(json.has("original")).isFalse();
    assertThat(json.has("original_event")).isFalse();
    assertThat(json.get("original_format").asString()).isEqualTo("raw_event");
    assertThat(json.get("original_bytes").asInt()).isEqualTo(Events.enricherDeadLetter(5).getOriginal().size());
    assertThat(json.get("original_withheld").asString()).isEqualTo("privacy_not_configured");
    assertThat(json.at("/metadata/client_ip").isMissingNode()).isTrue();
  }

  @Test
  void theLoadersOwnDeadLetterNamesTheRecordButNeverHoldsItsBytes() {
    byte[] value = {1, 2, 3};
    LoaderDocument doc = mapper.loaderDeadLetter(ReasonCode.INDEX_REJECTED, "mapper_parsing_exception",
        origin(Events.eventId(3)), value);
    JsonNode json = json(doc);

    assertThat(doc.id()).isEqualTo("millrace.enriched-3-42");
    assertThat(doc.index()).isEqualTo("millrace-dead-letters-2026.11.21");
    assertThat(json.get("stage").asString()).isEqualTo("REALTIME_LOADER");
    assertThat(json.get("reason").asString()).isEqualTo("INDEX_REJECTED");
    assertThat(json.get("source_topic").asString()).isEqualTo("millrace.enriched");
    assertThat(json.get("source_partition").asInt()).isEqualTo(3);
    assertThat(json.get("source_offset").asLong()).isEqualTo(42);
    assertThat(json.get("event_id").asString()).isEqualTo(Events.eventId(3));
    assertThat(json.has("original")).isFalse();
    assertThat(json.get("original_format").asString()).isEqualTo("unreadable");
    assertThat(json.get("original_withheld").asString()).isEqualTo("unreadable");
    assertThat(json.get("original_bytes").asInt()).isEqualTo(3);
  }

  @Test
  void aRefusedEventsDeadLetterShowsTheEnrichedEventAsItIsAlreadyPseudonymised() {
    EnrichedEvent e = Events.enriched(3);
    JsonNode json = json(mapper.loaderDeadLetter(ReasonCode.INDEX_REJECTED, "mapper_parsing_exception",
        origin(Events.eventId(3)), e.toByteArray()));

    assertThat(json.get("original_format").asString()).isEqualTo("enriched_event");
    assertThat(json.has("original_withheld")).isFalse();
    assertThat(json.at("/original_event/context/user_id").asString()).isEqualTo("pseudo-7f3a");
    assertThat(json.at("/original_event/metadata/client_ip").asString()).isEqualTo("203.0.113.0");
    assertThat(json.at("/original_event/payload/sku").asString()).isEqualTo("KET-3");
  }

  @Test
  void aFallbackDeadLetterHoldsOnlyWhatTheLoaderWritesAndNothingOfTheRefusedDocument() {
    Origin origin = new Origin("millrace.dead-letter.collector", 0, 8, RECORD_TIME.toEpochMilli(), "x".repeat(300));
    LoaderDocument refused = mapper.deadLetter(Events.collectorDeadLetter(8), origin);
    JsonNode json = json(mapper.fallbackDeadLetter(refused, "mapper_parsing_exception: " + "y".repeat(5000)));

    assertThat(json.get("stage").asString()).isEqualTo("REALTIME_LOADER");
    assertThat(json.get("reason").asString()).isEqualTo("INDEX_REJECTED");
    assertThat(json.get("message").asString()).hasSize(DocumentMapper.FALLBACK_MESSAGE_CHARS + 3);
    assertThat(json.has("event_id")).as("a long event id could be what got it refused").isFalse();
    assertThat(json.get("refused_document_bytes").asInt()).isEqualTo(refused.source().length);
    assertThat(json.get("source_offset").asLong()).isEqualTo(8);
    assertThat(json.has("original")).isFalse();
    assertThat(json.has("original_event")).isFalse();
    assertThat(json.has("violations")).isFalse();
  }
}
