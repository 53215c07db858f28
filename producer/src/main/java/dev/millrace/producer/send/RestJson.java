package dev.millrace.producer.send;

import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.EventStatus;
import dev.millrace.proto.v1.ReasonCode;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * The REST API's JSON: an {@link Event} as a snake_case object whose {@code payload} is the JSON
 * object itself (written from {@code payload_json} byte for byte), and {@link BatchResult} back.
 * Empty proto strings are left out, so an event without a type really has no {@code event_type}.
 */
public final class RestJson {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private RestJson() {}

  public static byte[] encode(List<Event> events) {
    ArrayNode array = JSON.createArrayNode();
    for (Event event : events) {
      array.add(toJson(event));
    }
    return JSON.writeValueAsBytes(array);
  }

  static ObjectNode toJson(Event event) {
    ObjectNode node = JSON.createObjectNode();
    putIfSet(node, "event_id", event.getEventId());
    putIfSet(node, "event_type", event.getEventType());
    putIfSet(node, "schema_version", event.getSchemaVersion());
    if (event.hasOccurredAt()) {
      node.put("occurred_at",
          Instant.ofEpochSecond(event.getOccurredAt().getSeconds(), event.getOccurredAt().getNanos()).toString());
    }
    putIfSet(node, "source", event.getSource());
    if (event.hasContext()) {
      Context c = event.getContext();
      ObjectNode context = node.putObject("context");
      putIfSet(context, "user_agent", c.getUserAgent());
      putIfSet(context, "ip", c.getIp());
      putIfSet(context, "page_url", c.getPageUrl());
      putIfSet(context, "referrer", c.getReferrer());
      putIfSet(context, "user_id", c.getUserId());
      putIfSet(context, "anonymous_id", c.getAnonymousId());
      putIfSet(context, "locale", c.getLocale());
    }
    if (!event.getPayloadJson().isEmpty()) {
      // Raw, not re-parsed: the payload's numbers reach the collector exactly as generated.
      node.putRawValue("payload", new RawValue(event.getPayloadJson()));
    }
    return node;
  }

  /** Reads a BatchResult in snake_case (lowerCamelCase is accepted too, as proto JSON allows). */
  public static BatchResult decode(byte[] body) {
    JsonNode root = JSON.readTree(body);
    BatchResult.Builder result = BatchResult.newBuilder()
        .setRequestId(text(root, "request_id", "requestId"))
        .setAccepted(number(root, "accepted"))
        .setRejected(number(root, "rejected"));
    JsonNode results = root.get("results");
    if (results != null) {
      for (JsonNode item : results) {
        EventResult.Builder r = EventResult.newBuilder()
            .setIndex(number(item, "index"))
            .setEventId(text(item, "event_id", "eventId"))
            .setStatus(status(text(item, "status", "status")))
            .setField(text(item, "field", "field"))
            .setMessage(text(item, "message", "message"));
        String reason = text(item, "reason", "reason");
        if (!reason.isEmpty()) {
          r.setReason(reason(reason));
        }
        result.addResults(r);
      }
    }
    return result.build();
  }

  private static EventStatus status(String text) {
    // Proto JSON writes the full enum name; a hand-written API may shorten it.
    if (text.endsWith("ACCEPTED") || text.equalsIgnoreCase("accepted")) return EventStatus.EVENT_STATUS_ACCEPTED;
    if (text.endsWith("REJECTED") || text.equalsIgnoreCase("rejected")) return EventStatus.EVENT_STATUS_REJECTED;
    return EventStatus.EVENT_STATUS_UNSPECIFIED;
  }

  private static ReasonCode reason(String text) {
    var value = ReasonCode.getDescriptor().findValueByName(text.toUpperCase(Locale.ROOT));
    return value == null ? ReasonCode.REASON_CODE_UNSPECIFIED : ReasonCode.valueOf(value);
  }

  private static void putIfSet(ObjectNode node, String name, String value) {
    if (!value.isEmpty()) {
      node.put(name, value);
    }
  }

  private static String text(JsonNode node, String name, String alias) {
    JsonNode value = node.get(name);
    if (value == null) value = node.get(alias);
    return value == null || value.isNull() ? "" : value.asString();
  }

  private static int number(JsonNode node, String name) {
    JsonNode value = node.get(name);
    return value == null ? 0 : value.asInt();
  }
}
