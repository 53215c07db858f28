package dev.millrace.realtime.index;

import com.google.protobuf.Timestamp;
import dev.millrace.proto.DeadLetters;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Violation;
import dev.millrace.realtime.config.RealtimeProperties;
import dev.millrace.realtime.config.RealtimeProperties.TimeField;
import dev.millrace.realtime.index.LoaderDocument.Kind;
import dev.millrace.realtime.privacy.DeadLetterPrivacy;
import dev.millrace.realtime.privacy.SanitizedOriginal;
import dev.millrace.realtime.privacy.SanitizedOriginal.OriginalEvent;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns Kafka records into Elasticsearch documents. Field names are the proto field names; empty
 * proto3 values (unset) are left out, so a search for a field's existence means "it was set".
 *
 * <p>The payload is copied byte for byte (its numbers stay exact) under {@code payload}, which the
 * template maps as one {@code flattened} field: whatever keys producers send, the index mapping
 * does not grow. See the README, "Mapping explosion".
 *
 * <p>Dead letters never carry the bytes of their original, nor a raw client IP: what they show of
 * it is decided by {@link DeadLetterPrivacy} (the enrichment API's pseudonymisation). Kafka record
 * keys are never read, so they never reach a document.
 */
public final class DocumentMapper {

  /** Dates outside these years would make an index name Elasticsearch or a human cannot use. */
  private static final Instant EARLIEST_INDEX_TIME = Instant.parse("1970-01-01T00:00:00Z");
  private static final Instant LATEST_INDEX_TIME = Instant.parse("9999-12-31T23:59:59Z");

  /** A fallback dead letter's message is cut here: it must not be what gets it refused. */
  static final int FALLBACK_MESSAGE_CHARS = 4000;
  /** A fallback dead letter names its event only by an id this short (keyword terms are limited). */
  static final int FALLBACK_EVENT_ID_CHARS = 256;

  private final RealtimeProperties.Index settings;
  private final IndexNaming naming;
  private final JsonMapper json;
  private final DeadLetterPrivacy privacy;

  /** A mapper that shows no dead letter's original and no client IP of a dead letter. */
  public DocumentMapper(RealtimeProperties.Index settings, JsonMapper json) {
    this(settings, json, DeadLetterPrivacy.withholdEverything());
  }

  public DocumentMapper(RealtimeProperties.Index settings, JsonMapper json, DeadLetterPrivacy privacy) {
    this.settings = settings;
    this.naming = new IndexNaming(settings.datePattern());
    this.json = json;
    this.privacy = privacy;
  }

  /** The document of an enriched event; its id is the event id. */
  public LoaderDocument event(EnrichedEvent enriched, Origin origin, byte[] original)
      throws RejectedDocumentException {
    Event event = enriched.getRaw().getEvent();
    String payload = event.getPayloadJson();
    if (!payload.isEmpty()) {
      checkPayloadIsObject(payload);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(512 + payload.length() * 2);
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      EventDocument.fields(g, EventDocument.ROOT, enriched);
      kafka(g, origin);
      g.writeEndObject();
    }
    String index = naming.indexName(settings.eventsPrefix(), eventTime(enriched, origin));
    return new LoaderDocument(Kind.EVENT, index, event.getEventId(), out.toByteArray(), origin,
        original, null, null);
  }

  /** The document of a dead letter read from a dead-letter topic. */
  public LoaderDocument deadLetter(DeadLetter deadLetter, Origin origin) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512 + deadLetter.getOriginal().size() * 2);
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      deadLetterFields(g, deadLetter);
      if (deadLetter.hasMetadata()) {
        // The collector's client IP, as the enrichment would pass it on.
        EventDocument.metadata(g, privacy.metadata(deadLetter.getMetadata()));
      }
      original(g, privacy.original(deadLetter));
      kafka(g, origin);
      g.writeEndObject();
    }
    Instant time = deadLetter.hasFailedAt()
        ? indexTime(deadLetter.getFailedAt(), origin) : recordTime(origin);
    return new LoaderDocument(Kind.DEAD_LETTER, deadLettersIndex(time), origin.coordinates(),
        out.toByteArray(), origin, null, reasonName(deadLetter.getReason()),
        stageName(deadLetter.getStage()));
  }

  /**
   * A dead letter made by the loader itself: a record it could not decode, an event Elasticsearch
   * refused, or an event that cannot be a document. {@code original} is the Kafka record's value;
   * the document shows of it only what {@link DeadLetterPrivacy#loaderOriginal} allows.
   */
  public LoaderDocument loaderDeadLetter(ReasonCode reason, String message, Origin origin,
                                         byte[] original) {
    return loaderDeadLetter(Kind.DEAD_LETTER, reason, message, origin.eventId(), origin,
        privacy.loaderOriginal(reason, original), -1);
  }

  /**
   * Replaces a dead letter Elasticsearch refused with one that cannot be refused: only fields the
   * loader writes itself, each of a size and type the mapping takes (the stage, reason, a bounded
   * message, the record's coordinates and time), and nothing of the refused document but its size.
   * The record itself stays on its topic, at the coordinates given, for replay.
   */
  public LoaderDocument fallbackDeadLetter(LoaderDocument refused, String error) {
    Origin origin = refused.origin();
    String message = error.length() > FALLBACK_MESSAGE_CHARS
        ? error.substring(0, FALLBACK_MESSAGE_CHARS) + "..." : error;
    String eventId = origin.eventId().length() > FALLBACK_EVENT_ID_CHARS ? "" : origin.eventId();
    return loaderDeadLetter(Kind.FALLBACK_DEAD_LETTER, ReasonCode.INDEX_REJECTED, message, eventId,
        origin, null, refused.source().length);
  }

  private LoaderDocument loaderDeadLetter(Kind kind, ReasonCode reason, String message, String eventId,
                                          Origin origin, SanitizedOriginal original, int refusedBytes) {
    // The loader's own dead letters are dated by the record, so a redelivery lands on the same id
    // in the same index.
    DeadLetter deadLetter = DeadLetters.newBuilder(Stage.STAGE_REALTIME_LOADER, reason, message,
            recordTime(origin))
        .setEventId(eventId)
        .setSourceTopic(origin.topic())
        .setSourcePartition(origin.partition())
        .setSourceOffset(origin.offset())
        .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      deadLetterFields(g, deadLetter);
      original(g, original);
      if (refusedBytes >= 0) {
        g.writeNumberProperty("refused_document_bytes", refusedBytes);
      }
      kafka(g, origin);
      g.writeEndObject();
    }
    return new LoaderDocument(kind, deadLettersIndex(recordTime(origin)), origin.coordinates(),
        out.toByteArray(), origin, null, reasonName(reason), stageName(Stage.STAGE_REALTIME_LOADER));
  }

  /**
   * The fields of a dead letter, whoever made it (a stage upstream, or this loader with the same
   * {@link DeadLetters} builder): stage, reason, message, the event's id, type and version, when
   * it failed, where it was read from, and its violations.
   */
  private static void deadLetterFields(JsonGenerator g, DeadLetter deadLetter) {
    g.writeStringProperty("stage", stageName(deadLetter.getStage()));
    g.writeStringProperty("reason", reasonName(deadLetter.getReason()));
    string(g, "message", deadLetter.getMessage());
    string(g, "event_id", deadLetter.getEventId());
    string(g, "event_type", deadLetter.getEventType());
    string(g, "schema_version", deadLetter.getSchemaVersion());
    timestamp(g, "failed_at", deadLetter.hasFailedAt(), deadLetter.getFailedAt());
    string(g, "source_topic", deadLetter.getSourceTopic());
    g.writeNumberProperty("source_partition", deadLetter.getSourcePartition());
    g.writeNumberProperty("source_offset", deadLetter.getSourceOffset());
    if (deadLetter.getViolationsCount() > 0) {
      g.writeArrayPropertyStart("violations");
      for (Violation v : deadLetter.getViolationsList()) {
        g.writeStartObject();
        string(g, "pointer", v.getPointer());
        string(g, "message", v.getMessage());
        string(g, "keyword", v.getKeyword());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
  }

  /**
   * What the document shows of a dead letter's original: its format and size, why anything is
   * withheld, and the sanitised event under {@code original_event} (mapped {@code enabled: false}:
   * kept in {@code _source} for reading, never indexed, so it can never get the document refused).
   */
  private static void original(JsonGenerator g, SanitizedOriginal original) {
    if (original == null) {
      return;
    }
    g.writeStringProperty("original_format", original.format());
    g.writeNumberProperty("original_bytes", original.bytes());
    if (original.withheld() != null) {
      g.writeStringProperty("original_withheld", original.withheld());
    }
    OriginalEvent e = original.event();
    if (e == null) {
      return;
    }
    g.writeObjectPropertyStart("original_event");
    string(g, "event_id", e.eventId());
    string(g, "event_type", e.eventType());
    string(g, "schema_version", e.schemaVersion());
    string(g, "occurred_at", e.occurredAt());
    string(g, "source", e.source());
    if (e.context() != null) {
      EventDocument.context(g, e.context());
    }
    if (e.payloadJson() != null) {
      // Checked to be exactly one JSON object by DeadLetterPrivacy.
      g.writeName("payload");
      g.writeRawValue(e.payloadJson());
    }
    if (e.metadata() != null) {
      EventDocument.metadata(g, e.metadata());
    }
    g.writeEndObject();
  }

  private String deadLettersIndex(Instant time) {
    return naming.indexName(settings.deadLettersPrefix(), time);
  }

  /** The daily index's time: the configured field, else the Kafka record's timestamp. */
  Instant eventTime(EnrichedEvent enriched, Origin origin) {
    TimeField field = settings.timeField();
    return switch (field) {
      case RECEIVED_AT -> enriched.getRaw().getMetadata().hasReceivedAt()
          ? indexTime(enriched.getRaw().getMetadata().getReceivedAt(), origin) : recordTime(origin);
      case OCCURRED_AT -> enriched.getRaw().getEvent().hasOccurredAt()
          ? indexTime(enriched.getRaw().getEvent().getOccurredAt(), origin) : recordTime(origin);
      case ENRICHED_AT -> enriched.hasEnrichedAt()
          ? indexTime(enriched.getEnrichedAt(), origin) : recordTime(origin);
    };
  }

  private static Instant indexTime(Timestamp ts, Origin origin) {
    Instant t = EventDocument.toInstant(ts);
    if (t == null || t.isBefore(EARLIEST_INDEX_TIME) || t.isAfter(LATEST_INDEX_TIME)) {
      return recordTime(origin);
    }
    return t;
  }

  private static Instant recordTime(Origin origin) {
    return Instant.ofEpochMilli(Math.max(0, origin.timestampMillis()));
  }

  private void checkPayloadIsObject(String payload) throws RejectedDocumentException {
    try (JsonParser p = json.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new RejectedDocumentException("payload_json is not a JSON object");
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        throw new RejectedDocumentException("payload_json has data after its JSON object");
      }
    } catch (JacksonException e) {
      throw new RejectedDocumentException("payload_json is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static void kafka(JsonGenerator g, Origin origin) {
    g.writeObjectPropertyStart("kafka");
    g.writeStringProperty("topic", origin.topic());
    g.writeNumberProperty("partition", origin.partition());
    g.writeNumberProperty("offset", origin.offset());
    g.writeEndObject();
  }

  private static void string(JsonGenerator g, String name, String value) {
    EventDocument.string(g, name, value);
  }

  private static void timestamp(JsonGenerator g, String name, boolean present, Timestamp ts) {
    if (present) {
      EventDocument.timestamp(g, name, ts);
    }
  }

  /** The stage without its proto prefix, as analysts type it: {@code ENRICHER}, {@code REALTIME_LOADER}. */
  static String stageName(Stage stage) {
    return stage == Stage.UNRECOGNIZED ? "UNSPECIFIED" : stage.name().substring("STAGE_".length());
  }

  private static String reasonName(ReasonCode reason) {
    return reason == ReasonCode.UNRECOGNIZED ? "REASON_CODE_UNSPECIFIED" : reason.name();
  }
}
