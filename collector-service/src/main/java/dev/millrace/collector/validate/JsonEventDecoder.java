package dev.millrace.collector.validate;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.ReasonCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
            throw MalformedBodyException.at(parser, "the array is not closed");
          }
          if (events.size() == maxEvents) {
            throw new TooManyEventsException(maxEvents);
          }
          events.add(item(parser, body, events.size()));
        }
      } else if (root == JsonToken.START_OBJECT) {
        events.add(item(parser, body, 0));
      } else {
        throw MalformedBodyException.at(parser, "the body must be a JSON object (one event) or an array of events");
      }
      if (parser.nextToken() != null) {
        throw MalformedBodyException.at(parser, "there is content after the end of the JSON value");
      }
    } catch (JacksonException e) {
      throw MalformedBodyException.notJson(e);
    }
    if (events.isEmpty()) {
      throw new MalformedBodyException("the batch is empty", 1, 1);
    }
    return events;
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
            // Kept as the bytes sent: no decode and re-encode, and nothing silently replaced.
            // The parser skips nested strings without decoding them, so check UTF-8 here.
            ByteString payload = ByteString.copyFrom(body, from, to - from);
            if (payload.isValidUtf8()) {
              event.setPayloadJsonBytes(payload);
            } else {
              r = first(r, Rejection.of(ReasonCode.INVALID_FIELD, "/payload", "payload is not valid UTF-8"));
            }
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

  /**
   * Parses an RFC 3339 date-time by hand: {@code DateTimeFormatter} took a fifth of the time spent
   * per event. Seconds are required, the fraction may have 1-9 digits, the offset is required;
   * leap seconds (:60) are refused, as java.time would.
   */
  public static Timestamp timestamp(String t) {
    int n = t.length();
    if (n < 20 || !digits(t, 0, 4) || t.charAt(4) != '-' || !digits(t, 5, 7) || t.charAt(7) != '-'
        || !digits(t, 8, 10) || (t.charAt(10) != 'T' && t.charAt(10) != 't') || !digits(t, 11, 13)
        || t.charAt(13) != ':' || !digits(t, 14, 16) || t.charAt(16) != ':' || !digits(t, 17, 19)) {
      return null;
    }
    int i = 19;
    int nanos = 0;
    if (t.charAt(i) == '.') {
      int from = ++i;
      while (i < n && i - from < 10 && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
        i++;
      }
      int count = i - from;
      if (count < 1 || count > 9) {
        return null;
      }
      nanos = Integer.parseInt(t, from, i, 10) * POW10[9 - count];
    }
    int offsetSeconds;
    if (i == n - 1 && (t.charAt(i) == 'Z' || t.charAt(i) == 'z')) {
      offsetSeconds = 0;
    } else if (i == n - 6 && (t.charAt(i) == '+' || t.charAt(i) == '-') && digits(t, i + 1, i + 3)
        && t.charAt(i + 3) == ':' && digits(t, i + 4, i + 6)) {
      int oh = Integer.parseInt(t, i + 1, i + 3, 10);
      int om = Integer.parseInt(t, i + 4, i + 6, 10);
      if (oh > 18 || om > 59 || (oh == 18 && om > 0)) {
        return null; // java.time's (and every real zone's) range is -18:00..+18:00
      }
      offsetSeconds = (t.charAt(i) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    } else {
      return null;
    }
    int hour = Integer.parseInt(t, 11, 13, 10);
    int minute = Integer.parseInt(t, 14, 16, 10);
    int second = Integer.parseInt(t, 17, 19, 10);
    if (hour > 23 || minute > 59 || second > 59) {
      return null;
    }
    long day;
    try {
      day = java.time.LocalDate.of(Integer.parseInt(t, 0, 4, 10), Integer.parseInt(t, 5, 7, 10),
          Integer.parseInt(t, 8, 10, 10)).toEpochDay();
    } catch (java.time.DateTimeException e) {
      return null;
    }
    long seconds = day * 86_400 + hour * 3600L + minute * 60L + second - offsetSeconds;
    return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
  }

  private static final int[] POW10 = {1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000};

  private static boolean digits(String t, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = t.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

}
