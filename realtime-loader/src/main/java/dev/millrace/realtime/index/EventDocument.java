package dev.millrace.realtime.index;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.columns.EventColumn;
import dev.millrace.proto.columns.EventColumn.ColumnType;
import dev.millrace.proto.columns.EventColumns;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The shape of an enriched event's document, derived from the flat event's columns
 * ({@link EventColumns}): the proto messages become nested objects named as their fields, except the
 * envelope ({@code raw} and {@code raw.event}), whose fields are the document's top level; a JSON
 * column is written as its object, under its name without {@code _json} ({@code payload}); the Kafka
 * coordinates are the {@code kafka} object. The same tree writes documents and the index mapping,
 * so a field can only be searchable if it is written, and written if it is mapped.
 *
 * <p>What is written: a string when not empty, a timestamp when set, a message's object when the
 * message is present, and its numbers, booleans and enum names whenever it is (proto3 cannot tell an
 * unset zero from a zero); an enum number the code does not know as {@code UNRECOGNIZED}, as
 * generated code names it.
 */
final class EventDocument {

  /** Messages whose fields are written into their parent's object, not an object of their own. */
  private static final Set<String> ENVELOPE = Set.of("raw", "raw.event");

  /**
   * Elasticsearch settings of some fields beyond their type, by column: long strings are kept in
   * {@code _source} but not indexed past a length, the anonymised IP is an {@code ip}.
   */
  private static final Map<String, Consumer<ObjectNode>> TUNING = Map.of(
      "user_agent", field -> field.put("ignore_above", 1024),
      "page_url", field -> field.put("ignore_above", 2048),
      "referrer", field -> field.put("ignore_above", 2048),
      "campaign_term", field -> field.put("ignore_above", 1024),
      "campaign_content", field -> field.put("ignore_above", 1024),
      "referrer_search_term", field -> field.put("ignore_above", 1024),
      "anonymized_ip", field -> field.put("type", "ip").put("ignore_malformed", true));

  /** The document's root: the fields of {@code EnrichedEvent}. */
  static final Node ROOT = build();
  /** The {@code context} object, as dead letters show their original's. */
  static final Node CONTEXT = ROOT.find("raw.event.context");
  /** The {@code metadata} object, as dead letters show the collector's. */
  static final Node METADATA = ROOT.find("raw.metadata");

  private EventDocument() {}

  /**
   * A message and the columns under it: its leaf fields and the messages on the way to others, in
   * the columns' order.
   *
   * @param path the proto path from {@code EnrichedEvent} to this message, empty for the root
   * @param name the object's name in the document; {@code null} when its fields are its parent's
   */
  record Node(String path, String name, List<Child> children) {

    Node find(String wanted) {
      if (path.equals(wanted)) {
        return this;
      }
      for (Child child : children) {
        if (child.node() != null) {
          Node found = child.node().find(wanted);
          if (found != null) {
            return found;
          }
        }
      }
      return null;
    }
  }

  /** A field of a message: a column's leaf ({@code column} set) or a message ({@code node} set). */
  record Child(FieldDescriptor field, EventColumn column, Node node) {

    String documentName() {
      if (node != null) {
        return node.name();
      }
      String name = field.getName();
      return column.type() == ColumnType.JSON && name.endsWith("_json")
          ? name.substring(0, name.length() - "_json".length()) : name;
    }
  }

  // ---- documents -----------------------------------------------------------------------------

  /**
   * Writes the fields of {@code message} described by {@code node} into the object being written;
   * a JSON column's value must have been checked to be one JSON object.
   */
  static void fields(JsonGenerator g, Node node, Message message) {
    for (Child child : node.children()) {
      FieldDescriptor fd = child.field();
      if (child.node() != null) {
        if (message.hasField(fd)) {
          Message sub = (Message) message.getField(fd);
          if (child.node().name() == null) {
            fields(g, child.node(), sub);
          } else {
            g.writeObjectPropertyStart(child.node().name());
            fields(g, child.node(), sub);
            g.writeEndObject();
          }
        }
        continue;
      }
      String name = child.documentName();
      switch (child.column().type()) {
        case STRING -> string(g, name, (String) message.getField(fd));
        case JSON -> {
          String json = (String) message.getField(fd);
          if (!json.isEmpty()) {
            g.writeName(name);
            g.writeRawValue(json);
          }
        }
        case ENUM_NAME -> g.writeStringProperty(name, enumName((EnumValueDescriptor) message.getField(fd)));
        case TIMESTAMP -> {
          if (message.hasField(fd)) {
            timestamp(g, name, (Timestamp) message.getField(fd));
          }
        }
        case INT32 -> g.writeNumberProperty(name, (Integer) message.getField(fd));
        case INT64 -> g.writeNumberProperty(name, (Long) message.getField(fd));
        case DOUBLE -> g.writeNumberProperty(name, (Double) message.getField(fd));
        case BOOLEAN -> g.writeBooleanProperty(name, (Boolean) message.getField(fd));
        case STRING_LIST -> {
          int n = message.getRepeatedFieldCount(fd);
          if (n > 0) {
            g.writeArrayPropertyStart(name);
            for (int i = 0; i < n; i++) {
              g.writeString((String) message.getRepeatedField(fd, i));
            }
            g.writeEndArray();
          }
        }
      }
    }
  }

  /** The {@code context} object of a context. */
  static void context(JsonGenerator g, Context context) {
    g.writeObjectPropertyStart(CONTEXT.name());
    fields(g, CONTEXT, context);
    g.writeEndObject();
  }

  /** The {@code metadata} object of the collector's metadata. */
  static void metadata(JsonGenerator g, CollectorMetadata metadata) {
    g.writeObjectPropertyStart(METADATA.name());
    fields(g, METADATA, metadata);
    g.writeEndObject();
  }

  static void string(JsonGenerator g, String name, String value) {
    if (!value.isEmpty()) {
      g.writeStringProperty(name, value);
    }
  }

  static void timestamp(JsonGenerator g, String name, Timestamp ts) {
    Instant t = toInstant(ts);
    // An out-of-range time is written as Elasticsearch would see it, so that it refuses the
    // document and the event is dead-lettered with the reason rather than silently re-dated.
    g.writeStringProperty(name, t != null ? t.toString() : ts.getSeconds() + "s");
  }

  static Instant toInstant(Timestamp ts) {
    try {
      return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
    } catch (DateTimeException | ArithmeticException e) {
      return null;
    }
  }

  private static String enumName(EnumValueDescriptor value) {
    // An unknown number reads as a made-up descriptor the enum's own lookup does not know.
    return value.getType().findValueByNumber(value.getNumber()) == value ? value.getName() : "UNRECOGNIZED";
  }

  // ---- the mapping ---------------------------------------------------------------------------

  /** The events index's mappings: every column, and nothing else ({@code dynamic: false}). */
  static ObjectNode mappings() {
    ObjectNode mappings = JsonNodeFactory.instance.objectNode();
    mappings.put("dynamic", "false");
    ObjectNode properties = properties(ROOT);
    properties.set(EventColumn.KAFKA, kafkaProperties());
    mappings.set("properties", properties);
    return mappings;
  }

  /** The {@code kafka} object's mapping: the lineage columns, under their field's last name. */
  static ObjectNode kafkaProperties() {
    ObjectNode properties = JsonNodeFactory.instance.objectNode();
    for (EventColumn column : EventColumns.ALL) {
      if (column.isLineage()) {
        properties.putObject(column.path().get(1)).put("type", esType(column.type()));
      }
    }
    return JsonNodeFactory.instance.objectNode().set("properties", properties);
  }

  /** The mapping's {@code properties} of a message's fields. */
  static ObjectNode properties(Node node) {
    ObjectNode properties = JsonNodeFactory.instance.objectNode();
    addProperties(properties, node);
    return properties;
  }

  private static void addProperties(ObjectNode properties, Node node) {
    for (Child child : node.children()) {
      if (child.node() != null && child.node().name() == null) {
        addProperties(properties, child.node());
      } else if (child.node() != null) {
        properties.putObject(child.node().name()).set("properties", properties(child.node()));
      } else {
        ObjectNode field = properties.putObject(child.documentName());
        field.put("type", esType(child.column().type()));
        TUNING.getOrDefault(child.column().name(), f -> { }).accept(field);
      }
    }
  }

  private static String esType(ColumnType type) {
    return switch (type) {
      case STRING, ENUM_NAME, STRING_LIST -> "keyword";
      case JSON -> "flattened";
      case TIMESTAMP -> "date";
      case INT32 -> "integer";
      case INT64 -> "long";
      case DOUBLE -> "double";
      case BOOLEAN -> "boolean";
    };
  }

  /** Which columns have Elasticsearch settings beyond their type. */
  static Set<String> tunedColumns() {
    return TUNING.keySet();
  }

  // ---- the tree ------------------------------------------------------------------------------

  private static Node build() {
    Map<String, List<Child>> children = new LinkedHashMap<>();
    children.put("", new ArrayList<>());
    for (EventColumn column : EventColumns.ALL) {
      if (column.isLineage()) {
        continue; // the kafka object: the record's coordinates, written by the mapper
      }
      List<FieldDescriptor> fields = column.descriptors();
      String parent = "";
      for (int i = 0; i < fields.size(); i++) {
        FieldDescriptor fd = fields.get(i);
        String path = parent.isEmpty() ? fd.getName() : parent + "." + fd.getName();
        if (i < fields.size() - 1) {
          if (!children.containsKey(path)) {
            children.put(path, new ArrayList<>());
            children.get(parent).add(new Child(fd, null, new Node(path,
                ENVELOPE.contains(path) ? null : fd.getName(), children.get(path))));
          }
        } else {
          children.get(parent).add(new Child(fd, column, null));
        }
        parent = path;
      }
    }
    return new Node("", null, children.get(""));
  }
}
