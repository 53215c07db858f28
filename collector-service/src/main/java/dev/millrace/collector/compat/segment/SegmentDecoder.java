package dev.millrace.collector.compat.segment;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.millrace.collector.compat.DeviceClock;
import dev.millrace.collector.compat.EventNames;
import dev.millrace.collector.compat.TrackerIds;
import dev.millrace.collector.config.CollectorProperties;
import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.collector.validate.EventValidator;
import dev.millrace.collector.validate.JsonEventDecoder;
import dev.millrace.collector.validate.JsonShape;
import dev.millrace.collector.validate.MalformedBodyException;
import dev.millrace.collector.validate.Rejection;
import dev.millrace.collector.validate.TooManyEventsException;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.ReasonCode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads Segment's HTTP tracking API: a {@code /v1/batch} body ({@code {"batch": [...], "sentAt",
 * "context", "writeKey"}}) or one message ({@code /v1/track}, {@code /v1/page}, ...), in one
 * streaming pass, into checked Millrace events. Field by field:
 *
 * <table>
 * <caption>Segment message to Millrace event</caption>
 * <tr><th>Segment</th><th>Millrace</th></tr>
 * <tr><td>{@code messageId}</td><td>{@code event_id}: as is when a canonical UUID, else a version 5
 *     UUID of it ({@link TrackerIds}); a message without one gets the UUID of its exact bytes, so
 *     a retried message keeps its id</td></tr>
 * <tr><td>{@code type}, {@code event}</td><td>{@code event_type}: a track's name normalised
 *     ({@link EventNames}: "Order Completed" → {@code order_completed}) or mapped by
 *     {@code segment.track-events}; {@code page}, {@code screen}, {@code identify}, {@code group},
 *     {@code alias} for the other calls; {@code schema_version} {@code 1-0-0} unless mapped</td></tr>
 * <tr><td>{@code properties} (track)</td><td>the payload, byte for byte ({@code {}} when absent)</td></tr>
 * <tr><td>page, screen</td><td>payload {@code {"name", "category", "properties"}}</td></tr>
 * <tr><td>identify / group / alias</td><td>payload {@code {"traits"}} / {@code {"group_id",
 *     "traits"}} / {@code {"previous_id"}}</td></tr>
 * <tr><td>{@code userId}, {@code anonymousId}</td><td>{@code context.user_id},
 *     {@code context.anonymous_id} (one of them is required)</td></tr>
 * <tr><td>{@code context.userAgent}, {@code .ip}, {@code .locale}, {@code .page.url},
 *     {@code .page.referrer}</td><td>{@code context.user_agent}, {@code ip}, {@code locale},
 *     {@code page_url}, {@code referrer} (campaign parameters are read from the page URL by the
 *     enrichment, where analytics.js takes {@code context.campaign} from)</td></tr>
 * <tr><td>{@code timestamp} / {@code originalTimestamp}, {@code sentAt}</td><td>{@code occurred_at}
 *     corrected against the collector's clock as Segment does: received − (sentAt − timestamp)</td></tr>
 * </table>
 *
 * <p>Fields Segment defines that Millrace does not carry ({@code integrations}, {@code context.library},
 * {@code context.os}, ...) are ignored, as are unknown ones: a Segment SDK must never see a message
 * refused for a field it is allowed to send. A message's original (for its dead letter) is its exact
 * JSON text.
 */
public final class SegmentDecoder {

  /** The call types and, for all but track, the event type they become. */
  enum Call {
    TRACK(null), PAGE("page"), SCREEN("screen"), IDENTIFY("identify"), GROUP("group"), ALIAS("alias");

    final String eventType;

    Call(String eventType) {
      this.eventType = eventType;
    }

    static Call of(String type) {
      for (Call c : values()) {
        if (c.name().toLowerCase(Locale.ROOT).equals(type)) {
          return c;
        }
      }
      return null;
    }
  }

  static final String PROTOCOL = "segment";
  static final String DEFAULT_VERSION = "1-0-0";

  private final EventValidator validator;
  private final JsonFactory json;
  private final long maxMessageBytes;
  private final Map<String, String> trackEvents;

  public SegmentDecoder(EventValidator validator, CollectorProperties.Segment settings) {
    this.validator = validator;
    this.json = EventValidator.jsonFactory(validator.limits());
    this.maxMessageBytes = settings.maxMessageBytes().toBytes();
    this.trackEvents = settings.trackEvents();
  }

  /** A decoded body: its events and the write key it carries, if any. */
  public record Body(List<CheckedEvent> events, String writeKey) {}

  /**
   * Decodes a body.
   *
   * @param call the call of a single-message endpoint ({@code /v1/track} is TRACK, ...), or null
   *     for {@code /v1/batch}, whose messages each name their {@code type}
   */
  public Body decode(byte[] body, Call call, Instant receivedAt) throws MalformedBodyException, TooManyEventsException {
    List<Message> messages = new ArrayList<>();
    Envelope envelope = new Envelope();
    try (JsonParser parser = json.createParser(ObjectReadContext.empty(), body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw MalformedBodyException.at(parser, call == null ? "the body must be a JSON object with a \"batch\" array"
            : "the body must be a JSON object (one message)");
      }
      if (call == null) {
        envelope(parser, body, messages, envelope);
      } else {
        Message m = message(parser, body, 0);
        messages.add(m);
        envelope.writeKey = m.writeKey;
      }
      if (parser.nextToken() != null) {
        throw MalformedBodyException.at(parser, "there is content after the end of the JSON value");
      }
    } catch (JacksonException e) {
      throw MalformedBodyException.notJson(e);
    }
    if (messages.isEmpty()) {
      throw new MalformedBodyException("the batch is empty", 1, 1);
    }
    List<CheckedEvent> events = new ArrayList<>(messages.size());
    for (Message m : messages) {
      events.add(event(m, call, envelope, body, receivedAt));
    }
    return new Body(events, envelope.writeKey);
  }

  /** What a batch says besides its messages. */
  private static final class Envelope {
    String sentAt;
    String writeKey;
    Ctx context = new Ctx();
  }

  /** The context fields Millrace carries. */
  private static final class Ctx {
    String userAgent;
    String ip;
    String locale;
    String pageUrl;
    String referrer;

    Context.Builder over(Ctx defaults) {
      Context.Builder c = Context.newBuilder();
      set(userAgent, defaults.userAgent, c::setUserAgent);
      set(ip, defaults.ip, c::setIp);
      set(locale, defaults.locale, c::setLocale);
      set(pageUrl, defaults.pageUrl, c::setPageUrl);
      set(referrer, defaults.referrer, c::setReferrer);
      return c;
    }

    private static void set(String value, String fallback, java.util.function.Consumer<String> setter) {
      String v = value != null ? value : fallback;
      if (v != null) {
        setter.accept(v);
      }
    }
  }

  /** One message as read, before the batch's own fields are known. */
  private static final class Message {
    int index;
    int start;
    int end;
    Rejection problem;
    String type;
    String event;
    String messageId;
    String userId;
    String anonymousId;
    String timestamp;
    String originalTimestamp;
    String sentAt;
    String name;
    String category;
    String groupId;
    String previousId;
    String writeKey;
    int[] properties; // {from, to} in the body
    int[] traits;
    Ctx context = new Ctx();

    void problem(Rejection r) {
      if (problem == null) {
        problem = r;
      }
    }
  }

  private void envelope(JsonParser parser, byte[] body, List<Message> messages, Envelope envelope)
      throws MalformedBodyException, TooManyEventsException {
    boolean batch = false;
    JsonToken token;
    while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (name) {
        case "batch" -> {
          if (value != JsonToken.START_ARRAY || batch) {
            throw MalformedBodyException.at(parser, "\"batch\" must be one array of messages");
          }
          batch = true;
          int max = validator.limits().maxBatchEvents();
          JsonToken item;
          while ((item = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (item == null) {
              throw MalformedBodyException.at(parser, "the array is not closed");
            }
            if (messages.size() == max) {
              throw new TooManyEventsException(max);
            }
            messages.add(message(parser, body, messages.size()));
          }
        }
        case "sentAt" -> envelope.sentAt = text(parser, value);
        case "writeKey" -> envelope.writeKey = text(parser, value);
        case "context" -> {
          if (value == JsonToken.START_OBJECT) {
            context(parser, envelope.context);
          } else {
            parser.skipChildren();
          }
        }
        default -> parser.skipChildren();
      }
    }
    if (token != JsonToken.END_OBJECT) {
      throw new IllegalStateException("unexpected token " + token);
    }
    if (!batch) {
      throw MalformedBodyException.at(parser, "the body has no \"batch\" array");
    }
  }

  /** One message; the parser is on its first token and is left on its last. */
  private Message message(JsonParser parser, byte[] body, int index) {
    Message m = new Message();
    m.index = index;
    m.start = (int) parser.currentTokenLocation().getByteOffset();
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      parser.skipChildren();
      parser.finishToken();
      m.end = Math.max(m.start, (int) parser.currentLocation().getByteOffset());
      m.problem(Rejection.of(ReasonCode.NOT_AN_OBJECT, "", "the batch item is not a JSON object"));
      return m;
    }
    int maxDepth = validator.limits().maxPayloadDepth();
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (name) {
        case "type" -> m.type = string(parser, value, name, m);
        case "event" -> m.event = string(parser, value, name, m);
        case "messageId" -> m.messageId = id(parser, value, name, m);
        case "userId" -> m.userId = id(parser, value, name, m);
        case "anonymousId" -> m.anonymousId = id(parser, value, name, m);
        case "timestamp" -> m.timestamp = string(parser, value, name, m);
        case "originalTimestamp" -> m.originalTimestamp = string(parser, value, name, m);
        case "sentAt" -> m.sentAt = string(parser, value, name, m);
        case "name" -> m.name = string(parser, value, name, m);
        case "category" -> m.category = string(parser, value, name, m);
        case "groupId" -> m.groupId = id(parser, value, name, m);
        case "previousId" -> m.previousId = id(parser, value, name, m);
        case "writeKey" -> m.writeKey = string(parser, value, name, m);
        case "properties", "traits" -> {
          if (value == JsonToken.START_OBJECT) {
            int from = (int) parser.currentTokenLocation().getByteOffset();
            Rejection r = JsonShape.walkObject(parser, maxDepth, "/" + name);
            int to = (int) parser.currentTokenLocation().getByteOffset() + 1;
            if (r != null) {
              m.problem(r);
            }
            if (name.equals("properties")) {
              m.properties = new int[] {from, to};
            } else {
              m.traits = new int[] {from, to};
            }
          } else if (value != JsonToken.VALUE_NULL) {
            parser.skipChildren();
            m.problem(Rejection.of(ReasonCode.WRONG_TYPE, "/" + name, name + " must be an object"));
          }
        }
        case "context" -> {
          if (value == JsonToken.START_OBJECT) {
            context(parser, m.context);
          } else if (value != JsonToken.VALUE_NULL) {
            parser.skipChildren();
            m.problem(Rejection.of(ReasonCode.WRONG_TYPE, "/context", "context must be an object"));
          }
        }
        default -> parser.skipChildren(); // integrations, _metadata, channel, version, ...
      }
    }
    m.end = (int) parser.currentTokenLocation().getByteOffset() + 1;
    return m;
  }

  /** Reads the context fields Millrace carries; the parser is on the context's START_OBJECT. */
  private static void context(JsonParser parser, Ctx ctx) {
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (name) {
        case "userAgent" -> ctx.userAgent = plain(parser, value);
        case "ip" -> ctx.ip = plain(parser, value);
        case "locale" -> ctx.locale = plain(parser, value);
        case "page" -> {
          if (value == JsonToken.START_OBJECT) {
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
              String field = parser.currentName();
              JsonToken v = parser.nextToken();
              switch (field) {
                case "url" -> ctx.pageUrl = plain(parser, v);
                case "referrer" -> ctx.referrer = plain(parser, v);
                default -> parser.skipChildren();
              }
            }
          } else {
            parser.skipChildren();
          }
        }
        default -> parser.skipChildren();
      }
    }
  }

  private CheckedEvent event(Message m, Call call, Envelope envelope, byte[] body, Instant receivedAt) {
    byte[] original = Arrays.copyOfRange(body, m.start, m.end);
    String eventId = m.messageId != null && !m.messageId.isEmpty()
        ? TrackerIds.eventId(PROTOCOL, m.messageId)
        : TrackerIds.eventId(PROTOCOL, body, m.start, m.end);
    Event.Builder event = Event.newBuilder().setEventId(eventId);
    if (m.problem != null) {
      return new CheckedEvent(m.index, eventId, event.build(), m.problem, original);
    }
    Rejection r = null;
    if (original.length > maxMessageBytes) {
      r = Rejection.of(ReasonCode.EVENT_TOO_LARGE, "", "the message is " + original.length
          + " bytes, over the limit of " + maxMessageBytes);
    }
    Call c = call != null ? call : m.type == null ? null : Call.of(m.type);
    if (r == null && c == null) {
      r = m.type == null ? missing("/type", "type is required")
          : Rejection.of(ReasonCode.INVALID_EVENT_TYPE, "/type",
              "type must be track, page, screen, identify, group or alias");
    }
    if (r == null) {
      r = typeAndPayload(m, c, body, event);
    }
    if (r == null && isEmpty(m.userId) && isEmpty(m.anonymousId)) {
      r = missing("/userId", "userId or anonymousId is required");
    }
    Context.Builder context = m.context.over(envelope.context);
    if (m.userId != null) {
      context.setUserId(m.userId);
    }
    if (m.anonymousId != null) {
      context.setAnonymousId(m.anonymousId);
    }
    event.setContext(context);
    if (r == null) {
      r = occurredAt(m, envelope, receivedAt, event);
    }
    Event decoded = event.build();
    if (r == null) {
      r = validator.check(decoded, original.length, true);
    }
    return new CheckedEvent(m.index, eventId, decoded, r, original);
  }

  private Rejection typeAndPayload(Message m, Call call, byte[] body, Event.Builder event) {
    String type = call.eventType;
    String version = DEFAULT_VERSION;
    if (call == Call.TRACK) {
      if (isEmpty(m.event)) {
        return missing("/event", "a track needs its event name");
      }
      type = EventNames.normalise(m.event);
      if (type.isEmpty()) {
        return Rejection.of(ReasonCode.INVALID_EVENT_TYPE, "/event",
            "the event name has no letter or digit to make an event type of");
      }
      String mapped = trackEvents.get(type);
      if (mapped != null) {
        int colon = mapped.indexOf(':');
        type = colon < 0 ? mapped : mapped.substring(0, colon);
        version = colon < 0 ? DEFAULT_VERSION : mapped.substring(colon + 1);
      }
    }
    event.setEventType(type).setSchemaVersion(version);
    ByteString payload;
    switch (call) {
      case TRACK -> payload = m.properties == null ? EMPTY_OBJECT
          : ByteString.copyFrom(body, m.properties[0], m.properties[1] - m.properties[0]);
      case PAGE, SCREEN -> payload = object(body, "name", m.name, "category", m.category, "properties", m.properties);
      case IDENTIFY -> payload = object(body, null, null, null, null, "traits", m.traits);
      case GROUP -> {
        if (isEmpty(m.groupId)) {
          return missing("/groupId", "a group call needs its groupId");
        }
        payload = object(body, "group_id", m.groupId, null, null, "traits", m.traits);
      }
      case ALIAS -> {
        if (isEmpty(m.previousId)) {
          return missing("/previousId", "an alias call needs the previousId it links to userId");
        }
        payload = object(body, "previous_id", m.previousId, null, null, null, null);
      }
      default -> throw new IllegalStateException(call.name());
    }
    // The parser skips nested strings without decoding them, so check UTF-8 here.
    if (!payload.isValidUtf8()) {
      return Rejection.of(ReasonCode.INVALID_FIELD, call == Call.IDENTIFY || call == Call.GROUP ? "/traits"
          : "/properties", "the message is not valid UTF-8");
    }
    event.setPayloadJsonBytes(payload);
    return null;
  }

  private static final ByteString EMPTY_OBJECT = ByteString.copyFromUtf8("{}");

  /** A payload object of up to two text fields and one object field copied byte for byte. */
  private ByteString object(byte[] body, String name1, String value1, String name2, String value2,
                            String objectName, int[] object) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + (object == null ? 0 : object[1] - object[0]));
    try (JsonGenerator g = json.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      if (value1 != null) {
        g.writeStringProperty(name1, value1);
      }
      if (value2 != null) {
        g.writeStringProperty(name2, value2);
      }
      if (objectName != null) {
        g.writeName(objectName);
        if (object == null) {
          g.writeStartObject();
          g.writeEndObject();
        } else {
          g.writeRawValue(new String(body, object[0], object[1] - object[0], StandardCharsets.UTF_8));
        }
      }
      g.writeEndObject();
    }
    return ByteString.copyFrom(out.toByteArray());
  }

  private static Rejection occurredAt(Message m, Envelope envelope, Instant receivedAt, Event.Builder event) {
    String createdText = m.originalTimestamp != null ? m.originalTimestamp : m.timestamp;
    String createdField = m.originalTimestamp != null ? "/originalTimestamp" : "/timestamp";
    String sentText = m.sentAt != null ? m.sentAt : envelope.sentAt;
    Instant created = null;
    Instant sent = null;
    if (createdText != null) {
      created = instant(createdText);
      if (created == null) {
        return Rejection.of(ReasonCode.INVALID_TIMESTAMP, createdField, createdField.substring(1)
            + " is not an ISO 8601 date-time with offset, e.g. 2026-01-31T12:00:00.000Z");
      }
    }
    if (sentText != null && created != null) {
      sent = instant(sentText);
      if (sent == null) {
        return Rejection.of(ReasonCode.INVALID_TIMESTAMP, "/sentAt",
            "sentAt is not an ISO 8601 date-time with offset, e.g. 2026-01-31T12:00:00.000Z");
      }
    }
    Instant at = DeviceClock.occurredAt(created, sent, receivedAt);
    event.setOccurredAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()));
    return null;
  }

  private static Instant instant(String text) {
    Timestamp ts = JsonEventDecoder.timestamp(text);
    return ts == null ? null : Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
  }

  /** A string field; any other type is the message's fault. */
  private static String string(JsonParser parser, JsonToken value, String name, Message m) {
    if (value == JsonToken.VALUE_STRING) {
      return parser.getString();
    }
    if (value != JsonToken.VALUE_NULL) {
      parser.skipChildren();
      m.problem(Rejection.of(ReasonCode.WRONG_TYPE, "/" + name, name + " must be a string"));
    }
    return null;
  }

  /** An id: a string, or a number as its text (Segment's SDKs take numeric user ids). */
  private static String id(JsonParser parser, JsonToken value, String name, Message m) {
    if (value == JsonToken.VALUE_NUMBER_INT) {
      return parser.getString();
    }
    return string(parser, value, name, m);
  }

  /** A context field: a string, else ignored (context is Segment's free-form object). */
  private static String plain(JsonParser parser, JsonToken value) {
    if (value == JsonToken.VALUE_STRING) {
      return parser.getString();
    }
    parser.skipChildren();
    return null;
  }

  private static String text(JsonParser parser, JsonToken value) {
    return plain(parser, value);
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }

  private static Rejection missing(String field, String message) {
    return Rejection.of(ReasonCode.MISSING_FIELD, field, message);
  }

}
