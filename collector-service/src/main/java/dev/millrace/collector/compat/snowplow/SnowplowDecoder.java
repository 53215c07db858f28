package dev.millrace.collector.compat.snowplow;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.millrace.collector.compat.DeviceClock;
import dev.millrace.collector.compat.EventNames;
import dev.millrace.collector.compat.TrackerIds;
import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.collector.validate.EventValidator;
import dev.millrace.collector.validate.JsonShape;
import dev.millrace.collector.validate.MalformedBodyException;
import dev.millrace.collector.validate.Rejection;
import dev.millrace.collector.validate.TooManyEventsException;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.ReasonCode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads events sent with Snowplow's tracker protocol
 * (<a href="https://docs.snowplow.io/docs/events/going-deeper/event-parameters/">event parameters</a>)
 * and turns each into a Millrace {@link Event}, checked by the same {@link EventValidator} as a
 * native event. Two forms carry the same parameters: the body of
 * {@code POST /com.snowplowanalytics.snowplow/tp2} (a {@code payload_data} self-describing JSON whose
 * {@code data} is an array of string maps, one per event) and the query string of {@code GET /i}
 * (one event). HTTP, authentication and the collector's metadata are the caller's.
 *
 * <p>Carried:
 * <ul>
 *   <li>{@code eid} → {@code event_id} (kept when a UUID, else a version 5 UUID of it:
 *       {@link TrackerIds#eventId(String, String)}), so a tracker's retry is deduplicated downstream;</li>
 *   <li>{@code e}: {@code pv} → {@code page_view} 1-0-0 ({@code url}'s path, {@code page} as title),
 *       {@code pp} → {@code page_ping} 1-0-0 ({@code pp_mix pp_max pp_miy pp_may} as
 *       {@code min_x max_x min_y max_y}), {@code se} → {@code structured_event} 1-0-0
 *       ({@code se_ca se_ac se_la se_pr se_va} as {@code category action label property value}),
 *       {@code ue} → the self-describing event in {@code ue_pr} or {@code ue_px}: its Iglu name
 *       normalised ({@link EventNames}) as the type, its SchemaVer as the version, its data as the
 *       payload, byte for byte. Ecommerce {@code tr}/{@code ti} and anything else are refused
 *       {@code INVALID_EVENT_TYPE}; their payload rules (e.g. structured events need a category
 *       and an action) are the enricher's schemas, as for a native event;</li>
 *   <li>{@code aid} → {@code source}; {@code uid} → {@code user_id}; {@code duid} →
 *       {@code anonymous_id}; {@code url} → {@code page_url}; {@code refr} → {@code referrer};
 *       {@code ua} (else the request's User-Agent) → {@code user_agent}; {@code lang} →
 *       {@code locale}; {@code ip} → {@code ip};</li>
 *   <li>{@code occurred_at} = {@code ttm} (the "true timestamp" a tracker's user set) when given, else
 *       {@code dtm} corrected by {@code stm} against the collector's clock ({@link DeviceClock}, as
 *       Snowplow's {@code derived_tstamp}), else {@code dtm}, else the time the request arrived.</li>
 * </ul>
 *
 * <p>Not carried (ignored; still in the dead-letter original of a refused event): {@code sid},
 * {@code vid} (Millrace's curation builds its own sessions from user ids and time), {@code tnuid}/
 * {@code nuid}, {@code tna}, {@code tv}, {@code p}, {@code tz}, {@code res}, {@code vp}, {@code ds},
 * {@code cd}, {@code cs}, {@code cookie}, {@code f_*}, {@code mac}, {@code cx}/{@code co} (attached
 * entities: a Millrace event has no place for them), the ecommerce {@code tr_*}/{@code ti_*}, and any
 * parameter the protocol may add.
 *
 * <p>An empty parameter is treated as absent (the JavaScript tracker never sends one). Rules are
 * applied in this order and the first broken one is reported: the item's shape (not an object, a key
 * twice, a value that is not a string, text that is not Unicode), its size, {@code eid}, {@code e} and
 * what it needs, the timestamps, then the validator's top-level rules.
 */
public final class SnowplowDecoder {

  /** The protocol's name in derived event ids. */
  static final String PROTOCOL = "snowplow";

  private static final Pattern PAYLOAD_DATA = Pattern.compile(
      "iglu:com\\.snowplowanalytics\\.snowplow/payload_data/jsonschema/1-0-(0|[1-9][0-9]{0,8})");
  private static final Pattern UNSTRUCT_EVENT = Pattern.compile(
      "iglu:com\\.snowplowanalytics\\.snowplow/unstruct_event/jsonschema/1-0-(0|[1-9][0-9]{0,8})");
  /** iglu:vendor/name/format/version; every part without '/'. */
  private static final Pattern IGLU_URI = Pattern.compile("iglu:([^/]+)/([^/]+)/([^/]+)/([^/]+)");
  private static final Pattern SCHEMA_VER = Pattern.compile(
      "[1-9][0-9]{0,8}-(0|[1-9][0-9]{0,8})-(0|[1-9][0-9]{0,8})");
  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,17})");
  /** RFC 8259's number grammar, so the value is written into the payload as it was sent. */
  private static final Pattern JSON_NUMBER = Pattern.compile(
      "-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
  private static final Pattern MILLIS = Pattern.compile("[0-9]{1,15}");
  /** 9999-12-31T23:59:59.999Z, the last instant a {@code google.protobuf.Timestamp} may hold. */
  private static final long MAX_MILLIS = 253_402_300_799_999L;

  private static final String[][] PAGE_PING = {
      {"pp_mix", "min_x"}, {"pp_max", "max_x"}, {"pp_miy", "min_y"}, {"pp_may", "max_y"}};
  private static final String[][] STRUCTURED = {
      {"se_ca", "category"}, {"se_ac", "action"}, {"se_la", "label"}, {"se_pr", "property"}};

  private final EventValidator validator;
  private final JsonFactory json;

  public SnowplowDecoder(EventValidator validator) {
    this.validator = validator;
    this.json = EventValidator.jsonFactory(validator.limits());
  }

  /**
   * {@code POST /com.snowplowanalytics.snowplow/tp2}: the {@code payload_data} self-describing JSON
   * {@code {"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-x","data":[{...},...]}}.
   * Each item's original is its exact bytes.
   *
   * @throws MalformedBodyException the body is not JSON, not an object, has no non-empty
   *     {@code data} array or not the {@code payload_data} schema: the whole request is refused
   * @throws TooManyEventsException more items than {@code limits.max-batch-events}
   */
  public List<CheckedEvent> decodePayloadData(byte[] body, Instant receivedAt)
      throws MalformedBodyException, TooManyEventsException {
    return decodePayloadData(body, null, receivedAt);
  }

  /**
   * As {@link #decodePayloadData(byte[], Instant)}, with the request's User-Agent header for the
   * events without a {@code ua} parameter: browser trackers never send one with a POST, the
   * browser's header says it (Snowplow's own collector does the same).
   */
  public List<CheckedEvent> decodePayloadData(byte[] body, String userAgentHeader, Instant receivedAt)
      throws MalformedBodyException, TooManyEventsException {
    int maxEvents = validator.limits().maxBatchEvents();
    List<CheckedEvent> events = new ArrayList<>();
    String schema = null;
    boolean sawData = false;
    try (JsonParser parser = json.createParser(ObjectReadContext.empty(), body)) {
      JsonToken root = parser.nextToken();
      if (root == null) {
        throw new MalformedBodyException("the body is empty", 1, 1);
      }
      if (root != JsonToken.START_OBJECT) {
        throw MalformedBodyException.at(parser, "the body must be a payload_data self-describing JSON object");
      }
      while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (name) {
          case "schema" -> {
            if (schema != null) {
              throw MalformedBodyException.at(parser, "the key 'schema' appears twice in the body");
            }
            if (value != JsonToken.VALUE_STRING || !PAYLOAD_DATA.matcher(parser.getString()).matches()) {
              throw MalformedBodyException.at(parser, "schema must be iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-x");
            }
            schema = parser.getString();
          }
          case "data" -> {
            if (sawData) {
              throw MalformedBodyException.at(parser, "the key 'data' appears twice in the body");
            }
            if (value != JsonToken.START_ARRAY) {
              throw MalformedBodyException.at(parser, "data must be an array of events");
            }
            sawData = true;
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
              if (token == null) {
                throw MalformedBodyException.at(parser, "the data array is not closed");
              }
              if (events.size() == maxEvents) {
                throw new TooManyEventsException(maxEvents);
              }
              events.add(item(parser, body, events.size(), userAgentHeader, receivedAt));
            }
          }
          // A self-describing JSON is exactly schema and data: anything else is a different document.
          default -> throw MalformedBodyException.at(parser, "'" + JsonShape.shorten(name) + "' is not a key of payload_data");
        }
      }
      if (schema == null || !sawData) {
        throw MalformedBodyException.at(parser, schema == null ? "the body has no schema" : "the body has no data array");
      }
      if (parser.nextToken() != null) {
        throw MalformedBodyException.at(parser, "there is content after the end of the JSON value");
      }
    } catch (JacksonException e) {
      throw MalformedBodyException.notJson(e);
    }
    if (events.isEmpty()) {
      throw new MalformedBodyException("the data array is empty", 1, 1);
    }
    return events;
  }

  /**
   * {@code GET /i}: one event from the query parameters, URL-decoded, in the order sent. Its original
   * is a JSON object of every parameter as sent (a name given twice appears twice), the same form as
   * an item of a POST, so that a dead letter can be replayed.
   *
   * @param userAgentHeader the request's User-Agent, used when there is no {@code ua}; may be null
   */
  public CheckedEvent decodePixel(List<Map.Entry<String, String>> params, String userAgentHeader,
                                  Instant receivedAt) {
    Map<String, String> values = new HashMap<>();
    Rejection problem = null;
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + params.size() * 32);
    try (JsonGenerator g = json.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      for (Map.Entry<String, String> p : params) {
        String name = p.getKey() == null ? "" : p.getKey();
        String value = p.getValue() == null ? "" : p.getValue();
        problem = first(problem, parameter(values, name, value));
        // Text that is not Unicode cannot be written as JSON; its rejection above says why.
        g.writeStringProperty(unicodeOrReplaced(name), unicodeOrReplaced(value));
      }
      g.writeEndObject();
    }
    return event(0, values, problem, out.toByteArray(), userAgentHeader, receivedAt);
  }


  /** One item of the data array; the parser is on its first token and is left on its last. */
  private CheckedEvent item(JsonParser parser, byte[] body, int index, String userAgentHeader,
                            Instant receivedAt) {
    int start = (int) parser.currentTokenLocation().getByteOffset();
    if (parser.currentToken() != JsonToken.START_OBJECT) {
      parser.skipChildren();
      parser.finishToken();
      int end = (int) parser.currentLocation().getByteOffset();
      return new CheckedEvent(index, "", Event.getDefaultInstance(),
          Rejection.of(ReasonCode.NOT_AN_OBJECT, "", "the data item is not a JSON object"),
          Arrays.copyOfRange(body, start, Math.max(start, end)));
    }
    Map<String, String> values = new HashMap<>();
    Rejection problem = null;
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value != JsonToken.VALUE_STRING) {
        parser.skipChildren();
        problem = first(problem, Rejection.of(ReasonCode.WRONG_TYPE, pointer(name),
            "'" + JsonShape.shorten(name) + "' must be a string: the tracker protocol sends every parameter as one"));
        continue;
      }
      problem = first(problem, parameter(values, name, parser.getString()));
    }
    int end = (int) parser.currentTokenLocation().getByteOffset() + 1;
    return event(index, values, problem, Arrays.copyOfRange(body, start, end), userAgentHeader, receivedAt);
  }

  /** Records one parameter; the first value of a name is kept, and a second is the problem. */
  private static Rejection parameter(Map<String, String> values, String name, String value) {
    if (values.putIfAbsent(name, value) != null) {
      return Rejection.of(ReasonCode.DUPLICATE_KEY, pointer(name),
          "the parameter '" + JsonShape.shorten(name) + "' is given twice");
    }
    if (!isUnicode(value)) {
      return Rejection.of(ReasonCode.INVALID_FIELD, pointer(name),
          "'" + JsonShape.shorten(name) + "' contains an unpaired UTF-16 surrogate");
    }
    return null;
  }

  /** Maps the parameters to an event and checks it; {@code problem} is a fault found while reading them. */
  private CheckedEvent event(int index, Map<String, String> params, Rejection problem, byte[] original,
                             String userAgentHeader, Instant receivedAt) {
    Event.Builder event = Event.newBuilder();
    boolean tooLarge = original.length > validator.limits().maxEventBytes().toBytes();
    if (problem == null && tooLarge) {
      // The validator's own size rule, asked before the others: an oversized event is not decoded
      // further (a ue_px of megabytes).
      problem = validator.check(Event.getDefaultInstance(), original.length, true);
    }
    String eid = get(params, "eid");
    if (eid != null) {
      event.setEventId(TrackerIds.eventId(PROTOCOL, eid));
    } else {
      problem = first(problem, Rejection.of(ReasonCode.MISSING_FIELD, "/eid", "eid (the event id) is required"));
    }
    // Mapped even when the event is already refused, so that its dead letter names its type.
    if (!tooLarge) {
      problem = first(problem, type(params, event));
    }
    problem = first(problem, occurredAt(params, event, receivedAt));
    context(params, userAgentHeader, event);
    Event decoded = event.build();
    if (problem == null) {
      problem = validator.check(decoded, original.length, true);
    }
    // The answer and a dead letter name the event by its Millrace id, the one it is enriched under.
    return new CheckedEvent(index, decoded.getEventId(), decoded, problem, original);
  }

  /** Event type, schema version and payload from {@code e} and the parameters it needs. */
  private Rejection type(Map<String, String> params, Event.Builder event) {
    String e = get(params, "e");
    if (e == null) {
      return Rejection.of(ReasonCode.INVALID_EVENT_TYPE, "/e", "e (the Snowplow event type) is required");
    }
    return switch (e) {
      case "pv" -> {
        event.setEventType("page_view").setSchemaVersion("1-0-0");
        String title = get(params, "page");
        event.setPayloadJsonBytes(write(g -> {
          g.writeStringProperty("path", path(get(params, "url")));
          if (title != null) {
            g.writeStringProperty("title", title);
          }
        }));
        yield null;
      }
      case "pp" -> {
        event.setEventType("page_ping").setSchemaVersion("1-0-0");
        for (String[] offset : PAGE_PING) {
          String value = get(params, offset[0]);
          if (value != null && !INTEGER.matcher(value).matches()) {
            yield Rejection.of(ReasonCode.INVALID_FIELD, "/" + offset[0],
                offset[0] + " must be an integer (a page offset in pixels)");
          }
        }
        event.setPayloadJsonBytes(write(g -> {
          for (String[] offset : PAGE_PING) {
            String value = get(params, offset[0]);
            if (value != null) {
              g.writeNumberProperty(offset[1], Long.parseLong(value));
            }
          }
        }));
        yield null;
      }
      case "se" -> {
        event.setEventType("structured_event").setSchemaVersion("1-0-0");
        String value = get(params, "se_va");
        if (value != null && !JSON_NUMBER.matcher(value).matches()) {
          yield Rejection.of(ReasonCode.INVALID_FIELD, "/se_va", "se_va must be a number");
        }
        event.setPayloadJsonBytes(write(g -> {
          for (String[] field : STRUCTURED) {
            String text = get(params, field[0]);
            if (text != null) {
              g.writeStringProperty(field[1], text);
            }
          }
          if (value != null) {
            g.writeName("value");
            g.writeNumber(value); // as sent: "13.99" stays 13.99, not a double's 13.990000000000000213
          }
        }));
        yield null;
      }
      case "ue" -> selfDescribing(params, event);
      default -> Rejection.of(ReasonCode.INVALID_EVENT_TYPE, "/e", "the Snowplow event type e='"
          + JsonShape.shorten(e) + "' is not supported (pv, pp, se and ue are)"
          + (e.equals("tr") || e.equals("ti") ? ": send ecommerce as self-describing events" : ""));
    };
  }

  /**
   * A self-describing ("unstructured") event: {@code ue_pr} is its JSON text, {@code ue_px} the same
   * in base64url. The outer JSON names Snowplow's unstruct_event schema; its data is the event's own
   * self-describing JSON, whose Iglu URI gives the type and version and whose data is the payload.
   */
  private Rejection selfDescribing(Map<String, String> params, Event.Builder event) {
    String pr = get(params, "ue_pr");
    String px = get(params, "ue_px");
    if (pr != null && px != null) {
      return Rejection.of(ReasonCode.INVALID_FIELD, "/ue_px",
          "ue_pr and ue_px are both given: an event has one self-describing JSON");
    }
    if (pr == null && px == null) {
      return Rejection.of(ReasonCode.MISSING_FIELD, "/ue_px", "an e=ue event needs ue_px or ue_pr");
    }
    String param = pr != null ? "ue_pr" : "ue_px";
    byte[] text;
    if (pr != null) {
      text = pr.getBytes(StandardCharsets.UTF_8); // lossless: parameters were checked to be Unicode
    } else {
      try {
        // Base64url with or without padding; the standard alphabet is taken too, as Snowplow's
        // own enrichment does.
        text = Base64.getUrlDecoder().decode(px.replace('+', '-').replace('/', '_'));
      } catch (IllegalArgumentException e) {
        return Rejection.of(ReasonCode.INVALID_FIELD, "/ue_px", "ue_px is not base64url");
      }
      try {
        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(text));
      } catch (CharacterCodingException e) {
        return Rejection.of(ReasonCode.INVALID_FIELD, "/ue_px", "ue_px does not decode to UTF-8 text");
      }
    }
    return new UnstructEvent(param, text).read(event);
  }

  /** One walk of a ue_pr/ue_px document. */
  private final class UnstructEvent {

    private final String param;
    private final String field;
    private final byte[] text;

    UnstructEvent(String param, byte[] text) {
      this.param = param;
      this.field = "/" + param;
      this.text = text;
    }

    Rejection read(Event.Builder event) {
      try (JsonParser parser = json.createParser(ObjectReadContext.empty(), text)) {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
          return notObject(param + " is not a JSON object");
        }
        String outer = null;
        boolean sawData = false;
        Rejection problem = null;
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
          String name = parser.currentName();
          JsonToken value = parser.nextToken();
          switch (name) {
            case "schema" -> {
              if (outer != null) {
                return twice(name, param);
              }
              outer = value == JsonToken.VALUE_STRING ? parser.getString() : "";
              parser.skipChildren();
            }
            case "data" -> {
              if (sawData) {
                return twice(name, param);
              }
              sawData = true;
              if (value != JsonToken.START_OBJECT) {
                return notObject(param + "'s data must be a self-describing JSON object");
              }
              problem = inner(parser, event);
              if (problem != null) {
                return problem;
              }
            }
            default -> {
              return notKey(name, param);
            }
          }
        }
        if (outer == null || !UNSTRUCT_EVENT.matcher(outer).matches()) {
          return Rejection.of(ReasonCode.INVALID_FIELD, field, param + "'s schema must be "
              + "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0");
        }
        if (!sawData) {
          return notObject(param + " has no data");
        }
        if (parser.nextToken() != null) {
          return notObject(param + " has content after its JSON object");
        }
        return null;
      } catch (JacksonException e) {
        var where = e.getLocation();
        return notObject(param + " is not valid JSON"
            + (where == null ? "" : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")"));
      }
    }

    /** The event's own self-describing JSON; the parser is on its START_OBJECT and left on its end. */
    private Rejection inner(JsonParser parser, Event.Builder event) {
      String uri = null;
      boolean sawData = false;
      Rejection shape = null;
      while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (name) {
          case "schema" -> {
            if (uri != null) {
              return twice(name, param + "'s data");
            }
            uri = value == JsonToken.VALUE_STRING ? parser.getString() : "";
            parser.skipChildren();
          }
          case "data" -> {
            if (sawData) {
              return twice(name, param + "'s data");
            }
            sawData = true;
            if (value != JsonToken.START_OBJECT) {
              return Rejection.of(ReasonCode.PAYLOAD_NOT_OBJECT, "/payload",
                  "the data of the event in " + param + " must be a JSON object");
            }
            int from = (int) parser.currentTokenLocation().getByteOffset();
            shape = JsonShape.walkObject(parser, validator.limits().maxPayloadDepth(), "/payload");
            int to = (int) parser.currentTokenLocation().getByteOffset() + 1;
            // Kept as sent: no decode and re-encode, numbers of any size stay exact.
            event.setPayloadJsonBytes(ByteString.copyFrom(text, from, to - from));
          }
          default -> {
            return notKey(name, param + "'s data");
          }
        }
      }
      if (uri == null) {
        return Rejection.of(ReasonCode.INVALID_EVENT_TYPE, field,
            "the event in " + param + " has no schema, so its type is unknown");
      }
      Matcher m = IGLU_URI.matcher(uri);
      if (!m.matches() || !m.group(3).equals("jsonschema")) {
        return Rejection.of(ReasonCode.INVALID_EVENT_TYPE, field, "the schema of the event in " + param
            + " is not an Iglu URI iglu:<vendor>/<name>/jsonschema/<version>");
      }
      String type = EventNames.normalise(m.group(2));
      if (type.isEmpty()) {
        return Rejection.of(ReasonCode.INVALID_EVENT_TYPE, field, "the schema name '"
            + JsonShape.shorten(m.group(2)) + "' of the event in " + param + " has no letter or digit");
      }
      event.setEventType(type);
      if (!SCHEMA_VER.matcher(m.group(4)).matches()) {
        return Rejection.of(ReasonCode.INVALID_SCHEMA_VERSION, field, "the schema version of the event in "
            + param + " is not SchemaVer MODEL-REVISION-ADDITION, e.g. 1-0-0");
      }
      event.setSchemaVersion(m.group(4));
      if (!sawData) {
        return Rejection.of(ReasonCode.MISSING_FIELD, "/payload", "the event in " + param + " has no data");
      }
      return shape;
    }

    private Rejection notObject(String message) {
      return Rejection.of(ReasonCode.PAYLOAD_NOT_OBJECT, field, message);
    }

    private Rejection twice(String key, String where) {
      return Rejection.of(ReasonCode.DUPLICATE_KEY, field, "the key '" + key + "' appears twice in " + where);
    }

    private Rejection notKey(String key, String where) {
      return Rejection.of(ReasonCode.INVALID_FIELD, field, "'" + JsonShape.shorten(key)
          + "' in " + where + " is not a key of a self-describing JSON (schema, data)");
    }
  }

  /** {@code ttm}, else {@code dtm} corrected by {@code stm}; every one given must be epoch milliseconds. */
  private static Rejection occurredAt(Map<String, String> params, Event.Builder event, Instant receivedAt) {
    Instant[] times = new Instant[3];
    String[] names = {"ttm", "dtm", "stm"};
    for (int i = 0; i < names.length; i++) {
      String value = get(params, names[i]);
      if (value == null) {
        continue;
      }
      if (!MILLIS.matcher(value).matches() || Long.parseLong(value) > MAX_MILLIS) {
        return Rejection.of(ReasonCode.INVALID_TIMESTAMP, "/" + names[i],
            names[i] + " must be a time in milliseconds since 1970-01-01T00:00:00Z");
      }
      times[i] = Instant.ofEpochMilli(Long.parseLong(value));
    }
    Instant at = times[0] != null ? times[0] : DeviceClock.occurredAt(times[1], times[2], receivedAt);
    event.setOccurredAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()));
    return null;
  }

  private static void context(Map<String, String> params, String userAgentHeader, Event.Builder event) {
    String aid = get(params, "aid");
    if (aid != null) {
      event.setSource(aid);
    }
    Context.Builder c = Context.newBuilder();
    set(params, "uid", c::setUserId);
    set(params, "duid", c::setAnonymousId);
    set(params, "url", c::setPageUrl);
    set(params, "refr", c::setReferrer);
    set(params, "lang", c::setLocale);
    set(params, "ip", c::setIp);
    String ua = get(params, "ua");
    if (ua == null && userAgentHeader != null && !userAgentHeader.isEmpty()) {
      ua = userAgentHeader;
    }
    if (ua != null) {
      c.setUserAgent(ua);
    }
    if (!c.build().equals(Context.getDefaultInstance())) {
      event.setContext(c);
    }
  }

  private static void set(Map<String, String> params, String name, Consumer<String> setter) {
    String value = get(params, name);
    if (value != null) {
      setter.accept(value);
    }
  }

  /** The parameter's value, or null when it is absent or empty. */
  private static String get(Map<String, String> params, String name) {
    String value = params.get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  /**
   * The path of a page URL, from the first '/' after the host up to the query or fragment; "/" when
   * there is no URL or it has no path. Kept as sent (still percent-encoded).
   */
  static String path(String url) {
    if (url == null) {
      return "/";
    }
    int end = url.length();
    int query = url.indexOf('?');
    int fragment = url.indexOf('#');
    if (query >= 0) {
      end = query;
    }
    if (fragment >= 0 && fragment < end) {
      end = fragment;
    }
    String s = url.substring(0, end);
    int from;
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      from = s.indexOf('/', scheme + 3);
    } else if (s.startsWith("//")) {
      from = s.indexOf('/', 2);
    } else {
      from = s.indexOf('/');
    }
    return from < 0 ? "/" : s.substring(from);
  }

  private ByteString write(Consumer<JsonGenerator> fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator g = json.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      fields.accept(g);
      g.writeEndObject();
    }
    return ByteString.copyFrom(out.toByteArray());
  }

  private static boolean isUnicode(String text) {
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (Character.isHighSurrogate(ch) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(ch)) {
        return false;
      }
    }
    return true;
  }

  /** Unpaired surrogates as '?', so a pixel's original can be written as UTF-8; such an event is rejected. */
  private static String unicodeOrReplaced(String text) {
    if (isUnicode(text)) {
      return text;
    }
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  private static String pointer(String name) {
    return "/" + JsonShape.escape(name);
  }

  private static Rejection first(Rejection a, Rejection b) {
    return a != null ? a : b;
  }
}
