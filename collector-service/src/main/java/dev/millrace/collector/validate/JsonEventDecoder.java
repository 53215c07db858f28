package dev.millrace.collector.validate;

import com.google.protobuf.Timestamp;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads a REST body (one event object, or an array of them) in a single streaming pass and checks
 * each event. The payload is never re-serialised: its exact bytes are cut out of the body by the
 * parser's byte offsets, so numbers of any size and every character stay as the producer sent them.
 *
 * <p>A body that is not JSON is refused whole ({@link MalformedBodyException}); an item that is JSON
 * but not a valid event is rejected on its own with a reason, and the others go on.
 */
public final class JsonEventDecoder {

  /** RFC 3339 date-time: seconds required, fraction up to nanoseconds, offset required. */
  private static final Pattern RFC_3339 = Pattern.compile(
      "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");

  private final EventValidator validator;
  private final JsonFactory json;

  public JsonEventDecoder(EventValidator validator) {
    this.validator = validator;
    this.json = EventValidator.jsonFactory(validator.limits());
  }

  /** Decodes and checks every event of the body, in order. */
  public List<CheckedEvent> decode(byte[] body) throws MalformedBodyException, TooManyEventsException {
    int maxEvents = validator.limits().maxBatchEvents();
    List<CheckedEvent> events = new ArrayList<>();
    try (JsonParser parser = json.createParser(ObjectReadContext.empty(), body)) {
      JsonToken root = parser.nextToken();
      if (root == null) {
        throw new MalformedBodyException("the body is empty", 1, 1);
      }
      if (root == JsonToken.START_ARRAY) {
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
          if (token == null) {
            throw malformed(parser, "the array is not closed");
          }
          if (events.size() == maxEvents) {
            throw new TooManyEventsException(maxEvents);
          }
          events.add(item(parser, body, events.size()));
        }
      } else if (root == JsonToken.START_OBJECT) {
        events.add(item(parser, body, 0));
      } else {
        throw malformed(parser, "the body must be a JSON object (one event) or an array of events");
      }
      if (parser.nextToken() != null) {
        throw malformed(parser, "there is content after the end of the JSON value");
      }
    } catch (JacksonException e) {
      var where = e.getLocation();
      // The parser's own message can quote the body; say what kind of fault and where instead.
      throw new MalformedBodyException("the body is not valid JSON",
          where == null ? -1 : where.getLineNr(), where == null ? -1 : where.getColumnNr());
    }
    if (events.isEmpty()) {
      throw new MalformedBodyException("the batch is empty", 1, 1);
    }
    return events;
  }

  private static MalformedBodyException malformed(JsonParser parser, String message) {
    var where = parser.currentTokenLocation();
    return new MalformedBodyException(message, where.getLineNr(), where.getColumnNr());
  }

  /** One batch item; the parser is on its first token and is left on its last. */
  private CheckedEvent item(JsonParser parser, byte[] body, int index) {
    int start = (int) parser.currentTokenLocation().getByteOffset();
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      parser.skipChildren();
      parser.finishToken();
      int end = (int) parser.currentLocation().getByteOffset();
      return new CheckedEvent(index, "", Event.getDefaultInstance(),
          Rejection.of(ReasonCode.NOT_AN_OBJECT, "", "the batch item is not a JSON object"),
          Arrays.copyOfRange(body, start, Math.max(start, end)));
    }
    Event.Builder event = Event.newBuilder();
    Rejection problem = null;
    Set<String> seen = new HashSet<>();
    boolean hasPayload = false;
    JsonToken token;
    while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      Rejection r = null;
      if (!seen.add(name)) {
        r = Rejection.of(ReasonCode.DUPLICATE_KEY, "/" + JsonShape.escape(name),
            "the key '" + JsonShape.shorten(name) + "' appears twice in the event");
      }
      switch (name) {
        case "event_id", "event_type", "schema_version", "source", "occurred_at" -> {
          String text = string(parser, value);
          if (text == null && value != JsonToken.VALUE_NULL) {
            parser.skipChildren();
            r = first(r, wrongType(name, "a string"));
          } else if (text != null) {
            r = first(r, setTopLevel(event, name, text));
          }
        }
        case "context" -> {
          if (value == JsonToken.START_OBJECT) {
            r = first(r, context(parser, event));
          } else if (value != JsonToken.VALUE_NULL) {
            parser.skipChildren();
            r = first(r, wrongType(name, "an object"));
          }
        }
        case "payload" -> {
          if (value == JsonToken.START_OBJECT) {
            int from = (int) parser.currentTokenLocation().getByteOffset();
            r = first(r, JsonShape.walkObject(parser, validator.limits().maxPayloadDepth(), "/payload"));
            int to = (int) parser.currentTokenLocation().getByteOffset() + 1;
            event.setPayloadJson(new String(body, from, to - from, StandardCharsets.UTF_8));
            hasPayload = true;
          } else if (value != JsonToken.VALUE_NULL) {
            parser.skipChildren();
            r = first(r, Rejection.of(ReasonCode.PAYLOAD_NOT_OBJECT, "/payload",
                "payload must be a JSON object"));
          }
        }
        default -> {
          parser.skipChildren();
          r = first(r, Rejection.of(ReasonCode.INVALID_FIELD, "/" + JsonShape.escape(name),
              "'" + JsonShape.shorten(name) + "' is not an event field"));
        }
      }
      problem = first(problem, r);
    }
    if (token != JsonToken.END_OBJECT) {
      // unreachable: inside an object the parser yields names or the end, or throws
      throw new IllegalStateException("unexpected token " + token);
    }
    int end = (int) parser.currentTokenLocation().getByteOffset() + 1;
    byte[] original = Arrays.copyOfRange(body, start, end);
    Event decoded = event.build();
    if (problem == null && !hasPayload) {
      problem = EventValidator.missing("/payload");
    }
    if (problem == null) {
      problem = validator.check(decoded, original.length, true);
    }
    return new CheckedEvent(index, decoded.getEventId(), decoded, problem, original);
  }

  private Rejection setTopLevel(Event.Builder event, String name, String text) {
    switch (name) {
      case "event_id" -> event.setEventId(text);
      case "event_type" -> event.setEventType(text);
      case "schema_version" -> event.setSchemaVersion(text);
      case "source" -> event.setSource(text);
      case "occurred_at" -> {
        Timestamp ts = timestamp(text);
        if (ts == null) {
          return Rejection.of(ReasonCode.INVALID_TIMESTAMP, "/occurred_at",
              "occurred_at is not an RFC 3339 date-time with offset, e.g. 2026-01-31T12:00:00Z");
        }
        event.setOccurredAt(ts);
      }
      default -> throw new IllegalArgumentException(name);
    }
    return null;
  }

  private Rejection context(JsonParser parser, Event.Builder event) {
    Context.Builder context = Context.newBuilder();
    Set<String> seen = new HashSet<>();
    Rejection problem = null;
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      String field = "/context/" + JsonShape.escape(name);
      if (!seen.add(name)) {
        problem = first(problem, Rejection.of(ReasonCode.DUPLICATE_KEY, field,
            "the key '" + JsonShape.shorten(name) + "' appears twice in context"));
      }
      String text = string(parser, value);
      if (text == null && value != JsonToken.VALUE_NULL) {
        problem = first(problem, isContextField(name)
            ? Rejection.of(ReasonCode.WRONG_TYPE, field, "context." + name + " must be a string")
            : unknownContextField(field, name));
        parser.skipChildren();
        continue;
      }
      if (text == null) {
        continue;
      }
      switch (name) {
        case "user_agent" -> context.setUserAgent(text);
        case "ip" -> context.setIp(text);
        case "page_url" -> context.setPageUrl(text);
        case "referrer" -> context.setReferrer(text);
        case "user_id" -> context.setUserId(text);
        case "anonymous_id" -> context.setAnonymousId(text);
        case "locale" -> context.setLocale(text);
        default -> problem = first(problem, unknownContextField(field, name));
      }
    }
    event.setContext(context);
    return problem;
  }

  private static boolean isContextField(String name) {
    return switch (name) {
      case "user_agent", "ip", "page_url", "referrer", "user_id", "anonymous_id", "locale" -> true;
      default -> false;
    };
  }

  private static Rejection unknownContextField(String field, String name) {
    return Rejection.of(ReasonCode.INVALID_FIELD, field,
        "'" + JsonShape.shorten(name) + "' is not a context field");
  }

  /** The string value, or null for any other token (whose children are then left unread). */
  private static String string(JsonParser parser, JsonToken value) {
    return value == JsonToken.VALUE_STRING ? parser.getString() : null;
  }

  private static Rejection wrongType(String name, String expected) {
    return Rejection.of(ReasonCode.WRONG_TYPE, "/" + name, name + " must be " + expected);
  }

  private static Rejection first(Rejection a, Rejection b) {
    return a != null ? a : b;
  }

  static Timestamp timestamp(String text) {
    if (!RFC_3339.matcher(text).matches()) {
      return null;
    }
    try {
      OffsetDateTime t = OffsetDateTime.parse(text.toUpperCase(Locale.ROOT),
          DateTimeFormatter.ISO_OFFSET_DATE_TIME);
      return Timestamp.newBuilder().setSeconds(t.toEpochSecond()).setNanos(t.getNano()).build();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
