package dev.millrace.enricher.topology;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Violation;
import dev.millrace.proto.views.EnrichResultBytes;
import dev.millrace.proto.views.EnrichedEventBytes;
import dev.millrace.proto.views.EventBytes;
import dev.millrace.proto.views.RawEventBytes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Builds the enricher's output values and their headers. */
final class Outputs {

  static final String ENRICHED_CONTENT_TYPE = EnrichedEvent.getDescriptor().getFullName();
  static final String DEAD_LETTER_CONTENT_TYPE = DeadLetter.getDescriptor().getFullName();

  private Outputs() {}

  /** Where a record was read from. */
  record Source(String topic, int partition, long offset) {}

  /**
   * The enriched event (a {@code millrace.v1.EnrichedEvent} on the wire): the raw event with its PII
   * replaced by the API's pseudonymised context, payload and client IP, so the original values
   * never reach the enriched topic. Values are copied as the bytes they arrived as: decoding and
   * encoding strings that only pass through was a third of the stream thread's time.
   */
  static EnrichedEventBytes enriched(RawEventBytes raw, EnrichResultBytes result, long nowMillis) {
    RawEventBytes.Builder cleaned = raw.toBuilder();
    EventBytes.Builder event = cleaned.getEventBuilder();
    if (result.hasPseudonymizedContext()) {
      event.setContext(result.getPseudonymizedContext());
    } else {
      event.clearContext();
    }
    event.setPayloadJson(result.getPseudonymizedPayloadJson());
    cleaned.getMetadataBuilder().setClientIp(result.getAnonymizedClientIp());
    return EnrichedEventBytes.newBuilder()
        .setRaw(cleaned)
        .setEnrichment(result.getEnrichment())
        .setEnrichedAt(timestamp(nowMillis))
        .build();
  }

  /** A dead letter for a record that decoded as a RawEvent (its strings checked for UTF-8). */
  static DeadLetter deadLetter(ReasonCode reason, String message, byte[] original, Source source,
                               RawEventBytes raw, List<Violation> violations, long nowMillis) {
    DeadLetter.Builder b = deadLetter(reason, message, original, source, nowMillis);
    if (raw != null) {
      b.setEventIdBytes(raw.getEvent().getEventId())
          .setEventTypeBytes(raw.getEvent().getEventType())
          .setSchemaVersionBytes(raw.getEvent().getSchemaVersion());
      if (raw.hasMetadata()) {
        try {
          b.setMetadata(CollectorMetadata.parseFrom(raw.getMetadata().toByteString()));
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException("metadata that passed its UTF-8 check does not parse", e);
        }
      }
    }
    return b.addAllViolations(violations).build();
  }

  static DeadLetter.Builder deadLetter(ReasonCode reason, String message, byte[] original, Source source,
                                       long nowMillis) {
    return DeadLetter.newBuilder()
        .setStage(Stage.STAGE_ENRICHER)
        .setReason(reason)
        .setMessage(message)
        .setOriginal(original == null ? ByteString.EMPTY : ByteString.copyFrom(original))
        .setSourceTopic(source.topic())
        .setSourcePartition(source.partition())
        .setSourceOffset(source.offset())
        .setFailedAt(timestamp(nowMillis));
  }

  static Headers enrichedHeaders(RawEventBytes raw) {
    Headers h = eventHeaders(raw);
    put(h, WireNames.HEADER_CONTENT_TYPE, ENRICHED_CONTENT_TYPE);
    return h;
  }

  static Headers deadLetterHeaders(DeadLetter deadLetter) {
    Headers h = new RecordHeaders();
    if (!deadLetter.getEventId().isEmpty()) {
      put(h, WireNames.HEADER_EVENT_ID, deadLetter.getEventId());
    }
    if (!deadLetter.getEventType().isEmpty()) {
      put(h, WireNames.HEADER_EVENT_TYPE, deadLetter.getEventType());
    }
    if (!deadLetter.getSchemaVersion().isEmpty()) {
      put(h, WireNames.HEADER_SCHEMA_VERSION, deadLetter.getSchemaVersion());
    }
    put(h, WireNames.HEADER_REASON, deadLetter.getReason().name());
    put(h, WireNames.HEADER_CONTENT_TYPE, DEAD_LETTER_CONTENT_TYPE);
    return h;
  }

  private static Headers eventHeaders(RawEventBytes raw) {
    Headers h = new RecordHeaders();
    h.add(WireNames.HEADER_EVENT_ID, raw.getEvent().getEventId().toByteArray());
    h.add(WireNames.HEADER_EVENT_TYPE, raw.getEvent().getEventType().toByteArray());
    h.add(WireNames.HEADER_SCHEMA_VERSION, raw.getEvent().getSchemaVersion().toByteArray());
    return h;
  }

  private static void put(Headers h, String name, String value) {
    h.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  static Timestamp timestamp(long millis) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(millis, 1000))
        .setNanos((int) Math.floorMod(millis, 1000) * 1_000_000)
        .build();
  }
}
