package dev.millrace.realtime.consume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.proto.WireNames;
import dev.millrace.realtime.Events;
import dev.millrace.realtime.config.RealtimeProperties.TimeField;
import dev.millrace.realtime.index.DocumentMapper;
import dev.millrace.realtime.index.LoaderDocument;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class RecordDecoderTest {

  static final JsonMapper JSON = JsonMapper.builder().build();
  final RecordDecoder decoder = new RecordDecoder(WireNames.ENRICHED_TOPIC,
      new DocumentMapper(Events.indexSettings(TimeField.RECEIVED_AT), JSON));

  static ConsumerRecord<String, byte[]> record(String topic, long offset, byte[] value) {
    return new ConsumerRecord<>(topic, 2, offset, "key", value);
  }

  @Test
  void enrichedRecordsBecomeEventsAndDeadLetterRecordsDeadLetters() {
    LoaderDocument event = decoder.decode(record(WireNames.ENRICHED_TOPIC, 1, Events.enriched(1).toByteArray()));
    LoaderDocument fromCollector = decoder.decode(
        record(WireNames.COLLECTOR_DEAD_LETTER_TOPIC, 2, Events.collectorDeadLetter(2).toByteArray()));
    LoaderDocument fromEnricher = decoder.decode(
        record(WireNames.ENRICHER_DEAD_LETTER_TOPIC, 3, Events.enricherDeadLetter(3).toByteArray()));

    assertThat(event.kind()).isEqualTo(LoaderDocument.Kind.EVENT);
    assertThat(event.id()).isEqualTo(Events.eventId(1));
    assertThat(fromCollector.reason()).isEqualTo("INVALID_EVENT_ID");
    assertThat(fromCollector.stage()).isEqualTo("COLLECTOR");
    assertThat(fromCollector.id()).isEqualTo("millrace.dead-letter.collector-2-2");
    assertThat(fromEnricher.reason()).isEqualTo("SCHEMA_VIOLATION");
    assertThat(fromEnricher.stage()).isEqualTo("ENRICHER");
  }

  @Test
  void bytesThatAreNotTheTopicsMessageAreDeadLetteredAsUndecodable() {
    byte[] garbage = "not protobuf \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1);
    ConsumerRecord<String, byte[]> bad = record(WireNames.ENRICHED_TOPIC, 7, garbage);
    bad.headers().add(WireNames.HEADER_EVENT_ID, "evt-7".getBytes(StandardCharsets.UTF_8));

    LoaderDocument doc = decoder.decode(bad);

    assertThat(doc.kind()).isEqualTo(LoaderDocument.Kind.DEAD_LETTER);
    assertThat(doc.reason()).isEqualTo("LOADER_UNDECODABLE");
    assertThat(doc.stage()).isEqualTo("REALTIME_LOADER");
    assertThat(doc.id()).isEqualTo("millrace.enriched-2-7");
    assertThat(JSON.readTree(doc.source()).get("event_id").asString()).isEqualTo("evt-7");
  }

  @Test
  void aTombstoneAnEventWithoutIdAndAnEmptyDeadLetterAreUndecodable() {
    assertThat(decoder.decode(record(WireNames.ENRICHED_TOPIC, 1, null)).reason()).isEqualTo("LOADER_UNDECODABLE");
    assertThat(decoder.decode(record(WireNames.ENRICHED_TOPIC, 1,
        Events.enriched("", "{}").toByteArray())).reason()).isEqualTo("LOADER_UNDECODABLE");
    assertThat(decoder.decode(record(WireNames.ENRICHER_DEAD_LETTER_TOPIC, 1, new byte[0])).reason())
        .isEqualTo("LOADER_UNDECODABLE");
  }

  @Test
  void anEventWhosePayloadIsNotAnObjectIsDeadLetteredAsRejected() {
    LoaderDocument doc = decoder.decode(record(WireNames.ENRICHED_TOPIC, 4,
        Events.enriched(Events.eventId(4), "\"text\"").toByteArray()));

    assertThat(doc.reason()).isEqualTo("INDEX_REJECTED");
    assertThat(JSON.readTree(doc.source()).get("message").asString()).isEqualTo("payload_json is not a JSON object");
  }

  @Test
  void recordKeysNeverReachADocument() {
    String key = "alice@example.com";
    List<ConsumerRecord<String, byte[]>> records = List.of(
        new ConsumerRecord<>(WireNames.ENRICHED_TOPIC, 0, 1, key, Events.enriched(1).toByteArray()),
        new ConsumerRecord<>(WireNames.ENRICHED_TOPIC, 0, 2, key, "garbage".getBytes(StandardCharsets.UTF_8)),
        new ConsumerRecord<>(WireNames.ENRICHED_TOPIC, 0, 3, key, null),
        new ConsumerRecord<>(WireNames.ENRICHED_TOPIC, 0, 4, key, Events.enriched(Events.eventId(4), "[]").toByteArray()),
        new ConsumerRecord<>(WireNames.COLLECTOR_DEAD_LETTER_TOPIC, 0, 5, key, Events.collectorDeadLetter(5).toByteArray()),
        new ConsumerRecord<>(WireNames.ENRICHER_DEAD_LETTER_TOPIC, 0, 6, key, Events.enricherDeadLetter(6).toByteArray()));

    for (ConsumerRecord<String, byte[]> r : records) {
      LoaderDocument doc = decoder.decode(r);
      assertThat(new String(doc.source(), StandardCharsets.UTF_8)).as("document of %s", doc.origin())
          .doesNotContain(key).doesNotContain("alice");
      assertThat(doc.origin().toString()).doesNotContain(key);
    }
  }
}
