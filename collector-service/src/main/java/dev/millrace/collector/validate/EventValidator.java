package dev.millrace.collector.validate;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import dev.millrace.collector.config.CidrBlock;
import dev.millrace.collector.config.CollectorProperties.Limits;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.ReasonCode;
import java.time.Clock;
import java.time.Instant;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;

/**
 * The top-level rules every event meets, whichever transport brought it. Payload schemas are not
 * checked here (the enricher does that); only that the payload is one unambiguous JSON object.
 */
public final class EventValidator {

  /** Canonical 8-4-4-4-12 hex form; {@code UUID.fromString} would also take "1-1-1-1-1". */
  private static final Pattern UUID_TEXT = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern EVENT_TYPE = Pattern.compile("[a-z][a-z0-9_]{0,127}");
  /** SchemaVer MODEL-REVISION-ADDITION; MODEL starts at 1, no leading zeros. */
  private static final Pattern SCHEMA_VER = Pattern.compile(
      "[1-9][0-9]{0,8}-(0|[1-9][0-9]{0,8})-(0|[1-9][0-9]{0,8})");

  private final Limits limits;
  private final Clock clock;
  private final JsonFactory json;

  public EventValidator(Limits limits, Clock clock) {
    this.limits = limits;
    this.clock = clock;
    this.json = jsonFactory(limits);
  }

  /** The parser settings shared by body decoding and payload checks. */
  public static JsonFactory jsonFactory(Limits limits) {
    int big = (int) Math.min(Integer.MAX_VALUE, limits.maxBodyBytes().toBytes());
    return JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            // Per-event depth is checked (and reported per event) by JsonShape; this is only the
            // hard stop for a hostile document.
            .maxNestingDepth(Math.max(1000, limits.maxPayloadDepth() + 10))
            // Numbers are never converted, only kept as text, so their length is no CPU risk.
            .maxNumberLength(big)
            .maxStringLength(big)
            .maxNameLength(big)
            .build())
        .build();
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Checks an event.
   *
   * @param sizeBytes the event's size as it arrived
   * @param payloadChecked true when the payload was already walked by the decoder (REST)
   * @return the first rule broken, or null
   */
  public Rejection check(Event event, long sizeBytes, boolean payloadChecked) {
    if (sizeBytes > limits.maxEventBytes().toBytes()) {
      return Rejection.of(ReasonCode.EVENT_TOO_LARGE, "",
          "the event is " + sizeBytes + " bytes, over the limit of " + limits.maxEventBytes().toBytes());
    }
    Rejection r = checkEventId(event.getEventId());
    if (r == null) {
      r = checkEventType(event.getEventType());
    }
    if (r == null) {
      r = checkSchemaVersion(event.getSchemaVersion());
    }
    if (r == null) {
      r = checkOccurredAt(event);
    }
    if (r == null) {
      r = text("/source", event.getSource());
    }
    if (r == null && event.hasContext()) {
      r = checkContext(event.getContext());
    }
    if (r == null && !payloadChecked) {
      r = checkPayload(event.getPayloadJson());
    }
    return r;
  }

  /**
   * Checks an event that arrived over gRPC; its original bytes are its Protobuf encoding.
   *
   * @param index position of the event in the request (across the whole stream)
   */
  public CheckedEvent checkProto(Event event, int index) {
    Rejection rejection = check(event, event.getSerializedSize(), false);
    // Only a dead letter needs the original bytes; an accepted event is written as its RawEvent.
    return new CheckedEvent(index, event.getEventId(), event, rejection,
        rejection == null ? EMPTY : event.toByteArray());
  }

  private static final byte[] EMPTY = new byte[0];

  private Rejection checkEventId(String id) {
    if (id.isEmpty()) {
      return missing("/event_id");
    }
    if (!UUID_TEXT.matcher(id).matches()) {
      return Rejection.of(ReasonCode.INVALID_EVENT_ID, "/event_id", "event_id is not a UUID");
    }
    return null;
  }

  private Rejection checkEventType(String type) {
    if (type.isEmpty()) {
      return missing("/event_type");
    }
    if (!EVENT_TYPE.matcher(type).matches()) {
      return Rejection.of(ReasonCode.INVALID_EVENT_TYPE, "/event_type",
          "event_type must be lower snake case: a letter, then letters, digits or '_', at most 128");
    }
    return null;
  }

  private Rejection checkSchemaVersion(String version) {
    if (version.isEmpty()) {
      return missing("/schema_version");
    }
    if (!SCHEMA_VER.matcher(version).matches()) {
      return Rejection.of(ReasonCode.INVALID_SCHEMA_VERSION, "/schema_version",
          "schema_version must be SchemaVer MODEL-REVISION-ADDITION, e.g. 1-0-0");
    }
    return null;
  }

  private Rejection checkOccurredAt(Event event) {
    if (!event.hasOccurredAt()) {
      return missing("/occurred_at");
    }
    Timestamp ts = event.getOccurredAt();
    if (!Timestamps.isValid(ts)) {
      return Rejection.of(ReasonCode.INVALID_TIMESTAMP, "/occurred_at",
          "occurred_at is outside 0001-01-01..9999-12-31 or has invalid nanos");
    }
    Instant at = Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
    Instant now = clock.instant();
    if (at.isAfter(now.plus(limits.maxFutureSkew()))) {
      return Rejection.of(ReasonCode.CLOCK_SKEW, "/occurred_at",
          "occurred_at is more than " + limits.maxFutureSkew() + " ahead of the collector's clock");
    }
    if (at.isBefore(now.minus(limits.maxPastAge()))) {
      return Rejection.of(ReasonCode.CLOCK_SKEW, "/occurred_at",
          "occurred_at is more than " + limits.maxPastAge() + " before the collector's clock");
    }
    return null;
  }

  private Rejection checkContext(Context c) {
    Rejection r = text("/context/user_agent", c.getUserAgent());
    if (r == null) {
      r = text("/context/ip", c.getIp());
    }
    if (r == null && !c.getIp().isEmpty() && CidrBlock.parseLiteral(c.getIp()) == null) {
      r = Rejection.of(ReasonCode.INVALID_FIELD, "/context/ip", "context.ip is not an IP address");
    }
    if (r == null) {
      r = text("/context/page_url", c.getPageUrl());
    }
    if (r == null) {
      r = text("/context/referrer", c.getReferrer());
    }
    if (r == null) {
      r = text("/context/user_id", c.getUserId());
    }
    if (r == null) {
      r = text("/context/anonymous_id", c.getAnonymousId());
    }
    if (r == null) {
      r = text("/context/locale", c.getLocale());
    }
    return r;
  }

  /** Length limit, and no lone UTF-16 surrogates (a JSON "\ud800" escape) that UTF-8 cannot carry. */
  private Rejection text(String field, String value) {
    if (value.length() > limits.maxFieldChars()) {
      return Rejection.of(ReasonCode.INVALID_FIELD, field,
          field.substring(1).replace('/', '.') + " is longer than " + limits.maxFieldChars() + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (Character.isHighSurrogate(ch) && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(ch)) {
        return Rejection.of(ReasonCode.INVALID_FIELD, field,
            field.substring(1).replace('/', '.') + " contains an unpaired UTF-16 surrogate");
      } else if (ch == 0) {
        return Rejection.of(ReasonCode.INVALID_FIELD, field,
            field.substring(1).replace('/', '.') + " contains a NUL character");
      }
    }
    return null;
  }

  /** The gRPC path: payload_json is text that must hold exactly one JSON object. */
  Rejection checkPayload(String payloadJson) {
    if (payloadJson.isEmpty()) {
      return missing("/payload");
    }
    try (JsonParser parser = json.createParser(ObjectReadContext.empty(), payloadJson)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return Rejection.of(ReasonCode.PAYLOAD_NOT_OBJECT, "/payload", "payload_json is not a JSON object");
      }
      Rejection r = JsonShape.walkObject(parser, limits.maxPayloadDepth(), "/payload");
      if (r == null && parser.nextToken() != null) {
        return Rejection.of(ReasonCode.PAYLOAD_NOT_OBJECT, "/payload",
            "payload_json has content after its JSON object");
      }
      return r;
    } catch (JacksonException e) {
      // The parser's own message can quote the input; the location is enough to find the fault.
      var where = e.getLocation();
      return Rejection.of(ReasonCode.PAYLOAD_NOT_OBJECT, "/payload", "payload_json is not valid JSON"
          + (where == null ? "" : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")"));
    }
  }

  static Rejection missing(String field) {
    return Rejection.of(ReasonCode.MISSING_FIELD, field, field.substring(1) + " is required");
  }
}
