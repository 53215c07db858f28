package dev.millrace.realtime.privacy;

import dev.millrace.proto.v1.Context;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the event a collector dead letter holds when it came over REST: the batch item's JSON as
 * the producer sent it. Only the fields of the event contract are read, and only string values
 * (the collector's own rule): any other key, and a value of the wrong type, is left out, since it
 * cannot be told apart from personal data. The payload is taken as the exact bytes sent, which is
 * what the collector would have passed on as {@code payload_json}.
 */
final class CollectorJson {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The event read, before sanitising. */
  record Read(String eventId, String eventType, String schemaVersion, String occurredAt, String source,
              Context context, String payloadJson, boolean payloadNotObject) {}

  private CollectorJson() {}

  /** The event, or null when the bytes are not exactly one JSON object or a key appears twice. */
  static Read read(byte[] bytes) {
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String eventId = "";
      String eventType = "";
      String schemaVersion = "";
      String occurredAt = "";
      String source = "";
      Context context = null;
      String payload = null;
      boolean payloadNotObject = false;
      Set<String> seen = new HashSet<>();
      while (p.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (!seen.add(name)) {
          // Two values for one key: which one a reader takes is a guess; show neither.
          return null;
        }
        switch (name) {
          case "event_id" -> eventId = string(p, value);
          case "event_type" -> eventType = string(p, value);
          case "schema_version" -> schemaVersion = string(p, value);
          case "occurred_at" -> occurredAt = string(p, value);
          case "source" -> source = string(p, value);
          case "context" -> {
            if (value == JsonToken.START_OBJECT) {
              context = context(p);
              if (context == null) {
                return null;
              }
            } else {
              p.skipChildren();
            }
          }
          case "payload" -> {
            if (value == JsonToken.START_OBJECT) {
              int from = (int) p.currentTokenLocation().getByteOffset();
              p.skipChildren();
              int to = (int) p.currentTokenLocation().getByteOffset() + 1;
              payload = new String(bytes, from, to - from, StandardCharsets.UTF_8);
            } else {
              payloadNotObject = value != JsonToken.VALUE_NULL;
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
      return new Read(eventId, eventType, schemaVersion, occurredAt, source, context, payload,
          payloadNotObject);
    } catch (JacksonException | IndexOutOfBoundsException e) {
      // Not JSON (e.g. cut at the collector's size limit), or not UTF-8.
      return null;
    }
  }

  /** The context's known string fields; null when a key appears twice. */
  private static Context context(JsonParser p) {
    Context.Builder c = Context.newBuilder();
    Set<String> seen = new HashSet<>();
    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (!seen.add(name)) {
        return null;
      }
      String text = string(p, value);
      switch (name) {
        case "user_agent" -> c.setUserAgent(text);
        case "ip" -> c.setIp(text);
        case "page_url" -> c.setPageUrl(text);
        case "referrer" -> c.setReferrer(text);
        case "user_id" -> c.setUserId(text);
        case "anonymous_id" -> c.setAnonymousId(text);
        case "locale" -> c.setLocale(text);
        default -> {
          // Not a context field: left out.
        }
      }
    }
    return c.build();
  }

  /** The string value, or empty for any other token (whose children are skipped). */
  private static String string(JsonParser p, JsonToken value) {
    if (value == JsonToken.VALUE_STRING) {
      return p.getString();
    }
    p.skipChildren();
    return "";
  }
}
