package dev.millrace.realtime.consume;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.realtime.index.DocumentMapper;
import dev.millrace.realtime.index.LoaderDocument;
import dev.millrace.realtime.index.Origin;
import dev.millrace.realtime.index.RejectedDocumentException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one Kafka record into the one document it becomes: an event, a dead letter, or the loader's
 * own dead letter when the record cannot be read. Never throws for bad data.
 */
public final class RecordDecoder {

  private static final Logger log = LoggerFactory.getLogger(RecordDecoder.class);

  private final String enrichedTopic;
  private final DocumentMapper mapper;

  public RecordDecoder(String enrichedTopic, DocumentMapper mapper) {
    this.enrichedTopic = enrichedTopic;
    this.mapper = mapper;
  }

  public LoaderDocument decode(ConsumerRecord<String, byte[]> record) {
    byte[] value = record.value();
    String headerEventId = headerEventId(record);
    if (value == null) {
      return undecodable(record, headerEventId, "the record has no value (tombstone)", null);
    }
    if (record.topic().equals(enrichedTopic)) {
      EnrichedEvent event;
      try {
        event = EnrichedEvent.parseFrom(value);
      } catch (InvalidProtocolBufferException e) {
        return undecodable(record, headerEventId, "not an EnrichedEvent: " + e.getMessage(), value);
      }
      String eventId = event.getRaw().getEvent().getEventId();
      if (eventId.isEmpty()) {
        // The event id is the document id; without it redelivery could not be idempotent.
        return undecodable(record, headerEventId, "an EnrichedEvent without raw.event.event_id", value);
      }
      Origin origin = origin(record, eventId);
      try {
        return mapper.event(event, origin, value);
      } catch (RejectedDocumentException e) {
        log.warn("event cannot be a document, dead-lettering as INDEX_REJECTED: {} ({})", origin, e.getMessage());
        return mapper.loaderDeadLetter(ReasonCode.INDEX_REJECTED, e.getMessage(), origin, value);
      }
    }
    DeadLetter deadLetter;
    try {
      deadLetter = DeadLetter.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      return undecodable(record, headerEventId, "not a DeadLetter: " + e.getMessage(), value);
    }
    if (deadLetter.getStage() == Stage.STAGE_UNSPECIFIED
        && deadLetter.getReason() == ReasonCode.REASON_CODE_UNSPECIFIED) {
      // Arbitrary bytes often parse as a message of unknown fields; a real dead letter has both.
      return undecodable(record, headerEventId, "a DeadLetter without stage and reason", value);
    }
    return mapper.deadLetter(deadLetter, origin(record, deadLetter.getEventId()));
  }

  private LoaderDocument undecodable(ConsumerRecord<String, byte[]> record, String eventId,
                                     String why, byte[] value) {
    Origin origin = origin(record, eventId);
    log.warn("undecodable record, dead-lettering as LOADER_UNDECODABLE: {} ({})", origin, why);
    return mapper.loaderDeadLetter(ReasonCode.LOADER_UNDECODABLE, why, origin, value);
  }

  private static Origin origin(ConsumerRecord<String, byte[]> record, String eventId) {
    return new Origin(record.topic(), record.partition(), record.offset(), record.timestamp(), eventId);
  }

  private static String headerEventId(ConsumerRecord<String, byte[]> record) {
    Header header = record.headers().lastHeader(WireNames.HEADER_EVENT_ID);
    return header == null || header.value() == null
        ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }
}
