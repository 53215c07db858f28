package dev.millrace.enricher.topology;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.DeadLetters;
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

/** Builds the records the enricher writes: enriched events and dead letters, with their keys and headers. */
final class OutputRecords {

  static final String ENRICHED_CONTENT_TYPE = EnrichedEvent.getDescriptor().getFullName();

  private OutputRecords() {}

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

  /**
   * The enriched record's key. The raw key is whatever the collector's {@code partition-key} chose:
   * the event id, the user id, the anonymous id or the source. A key that is the raw event's user id
   * (or anonymous id) becomes that field's value in the enriched event, as the enrichment API
   * returned it, so a user's events still share a partition (the pseudonym is a keyed hash of the
   * id) and the key says no more than the value it keys. The field is found by comparing the key to
   * the raw event rather than by configuration, which could drift from the collector's.
   *
   * <ul>
   *   <li>no key: none;
   *   <li>the user id, else the anonymous id: that field of the enriched event; the event id if
   *       the API left the field empty;
   *   <li>the event id or the source: unchanged (no PII);
   *   <li>anything else (not a collector key: its provenance, and so its PII, is unknown): the
   *       event id.
   * </ul>
   */
  static String enrichedKey(String rawKey, RawEventBytes raw, EnrichedEventBytes out) {
    if (rawKey == null) {
      return null;
    }
    EventBytes event = raw.getEvent();
    ByteString key = ByteString.copyFromUtf8(rawKey);
    if (!event.getContext().getUserId().isEmpty() && key.equals(event.getContext().getUserId())) {
      return orEventId(out.getRaw().getEvent().getContext().getUserId(), event);
    }
    if (!event.getContext().getAnonymousId().isEmpty() && key.equals(event.getContext().getAnonymousId())) {
      return orEventId(out.getRaw().getEvent().getContext().getAnonymousId(), event);
    }
    if (key.equals(event.getEventId()) || key.equals(event.getSource())) {
      return rawKey;
    }
    return event.getEventId().toStringUtf8();
  }

  private static String orEventId(ByteString pseudonymised, EventBytes event) {
    return (pseudonymised.isEmpty() ? event.getEventId() : pseudonymised).toStringUtf8();
  }

  /**
   * A dead letter's key: never the raw key, which may be a user id. The event id when the record
   * was readable enough to have one, otherwise where the record was read from,
   * {@code <topic>-<partition>@<offset>} (unique, and stable across a replay of the same input).
   */
  static String deadLetterKey(DeadLetter deadLetter) {
    if (!deadLetter.getEventId().isEmpty()) {
      return deadLetter.getEventId();
    }
    return deadLetter.getSourceTopic() + "-" + deadLetter.getSourcePartition() + "@" + deadLetter.getSourceOffset();
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
    return DeadLetters.newBuilder(Stage.STAGE_ENRICHER, reason, message, timestamp(nowMillis))
        .setOriginal(original == null ? ByteString.EMPTY : ByteString.copyFrom(original))
        .setSourceTopic(source.topic())
        .setSourcePartition(source.partition())
        .setSourceOffset(source.offset());
  }

  static Headers enrichedHeaders(RawEventBytes raw) {
    Headers h = eventHeaders(raw);
    put(h, WireNames.HEADER_CONTENT_TYPE, ENRICHED_CONTENT_TYPE);
    if (!raw.getMetadata().getReplayId().isEmpty()) {
      // a replayed event stays marked, for consumers that route or count by header
      h.add(WireNames.HEADER_REPLAY_ID, raw.getMetadata().getReplayId().toByteArray());
    }
    return h;
  }

  /** The dead letter's headers, read off it as the bytes it holds: nothing is decoded. */
  static Headers deadLetterHeaders(DeadLetter deadLetter) {
    Headers h = new RecordHeaders();
    DeadLetters.headers(deadLetter, h::add);
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
