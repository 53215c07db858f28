package dev.millrace.realtime.index;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.columns.EventColumn;
import dev.millrace.proto.columns.EventColumn.ColumnType;
import dev.millrace.proto.columns.EventColumns;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichedEvent;
import java.lang.invoke.CallSite;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.SerializedString;
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

  /**
   * A field of a message: a column's leaf ({@code column} set) or a message ({@code node} set), with
   * its generated accessors ({@code has} only for messages and timestamps) and its name in the
   * document, encoded once (the generator copies its bytes instead of encoding a String per event).
   */
  record Child(FieldDescriptor field, EventColumn column, Node node, Function<Object, Object> get,
               Function<Object, Object> has, SerializableString jsonName) {

    String documentName() {
      return node != null ? node.name() : leafName(field, column);
    }

    static String leafName(FieldDescriptor field, EventColumn column) {
      String name = field.getName();
      return column.type() == ColumnType.JSON && name.endsWith("_json")
          ? name.substring(0, name.length() - "_json".length()) : name;
    }

    boolean present(Message message) {
      return (Boolean) has.apply(message);
    }
  }

  // ---- documents -----------------------------------------------------------------------------

  /**
   * Writes the fields of {@code message} described by {@code node} into the object being written;
   * a JSON column's value must have been checked to be one JSON object.
   */
  static void fields(JsonGenerator g, Node node, Message message) {
    for (Child child : node.children()) {
      if (child.node() != null) {
        if (child.present(message)) {
          Message sub = (Message) child.get().apply(message);
          if (child.node().name() == null) {
            fields(g, child.node(), sub);
          } else {
            g.writeName(child.jsonName());
            g.writeStartObject();
            fields(g, child.node(), sub);
            g.writeEndObject();
          }
        }
        continue;
      }
      switch (child.column().type()) {
        case STRING -> {
          String value = (String) child.get().apply(message);
          if (!value.isEmpty()) {
            g.writeName(child.jsonName());
            g.writeString(value);
          }
        }
        case JSON -> {
          String json = (String) child.get().apply(message);
          if (!json.isEmpty()) {
            g.writeName(child.jsonName());
            g.writeRawValue(json);
          }
        }
        case ENUM_NAME -> {
          // The generated enum: a number the code does not know is its UNRECOGNIZED constant.
          g.writeName(child.jsonName());
          g.writeString(((Enum<?>) child.get().apply(message)).name());
        }
        case TIMESTAMP -> {
          if (child.present(message)) {
            g.writeName(child.jsonName());
            timestampValue(g, (Timestamp) child.get().apply(message));
          }
        }
        case INT32 -> {
          g.writeName(child.jsonName());
          g.writeNumber((Integer) child.get().apply(message));
        }
        case INT64 -> {
          g.writeName(child.jsonName());
          g.writeNumber((Long) child.get().apply(message));
        }
        case DOUBLE -> {
          g.writeName(child.jsonName());
          g.writeNumber((Double) child.get().apply(message));
        }
        case BOOLEAN -> {
          g.writeName(child.jsonName());
          g.writeBoolean((Boolean) child.get().apply(message));
        }
        case STRING_LIST -> {
          List<?> values = (List<?>) child.get().apply(message);
          if (!values.isEmpty()) {
            g.writeName(child.jsonName());
            g.writeStartArray();
            for (Object value : values) {
              g.writeString((String) value);
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
    g.writeName(name);
    timestampValue(g, ts);
  }

  private static void timestampValue(JsonGenerator g, Timestamp ts) {
    Instant t = toInstant(ts);
    // An out-of-range time is written as Elasticsearch would see it, so that it refuses the
    // document and the event is dead-lettered with the reason rather than silently re-dated.
    g.writeString(t != null ? IsoInstant.format(t.getEpochSecond(), t.getNano()) : ts.getSeconds() + "s");
  }

  static Instant toInstant(Timestamp ts) {
    try {
      return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
    } catch (DateTimeException | ArithmeticException e) {
      return null;
    }
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
    Map<String, Class<?>> classes = new LinkedHashMap<>();
    children.put("", new ArrayList<>());
    classes.put("", EnrichedEvent.class);
    for (EventColumn column : EventColumns.ALL) {
      if (column.isLineage()) {
        continue; // the kafka object: the record's coordinates, written by the mapper
      }
      List<FieldDescriptor> fields = column.descriptors();
      String parent = "";
      for (int i = 0; i < fields.size(); i++) {
        FieldDescriptor fd = fields.get(i);
        String path = parent.isEmpty() ? fd.getName() : parent + "." + fd.getName();
        Class<?> owner = classes.get(parent);
        if (i < fields.size() - 1) {
          if (!children.containsKey(path)) {
            children.put(path, new ArrayList<>());
            Method getter = Accessors.method(owner, "get", fd);
            classes.put(path, getter.getReturnType());
            children.get(parent).add(new Child(fd, null, new Node(path,
                ENVELOPE.contains(path) ? null : fd.getName(), children.get(path)),
                Accessors.function(getter), Accessors.function(Accessors.method(owner, "has", fd)),
                new SerializedString(fd.getName())));
          }
        } else {
          boolean list = column.type() == ColumnType.STRING_LIST;
          Method getter = Accessors.method(owner, "get", fd, list ? "List" : "");
          Function<Object, Object> has = column.type() == ColumnType.TIMESTAMP
              ? Accessors.function(Accessors.method(owner, "has", fd)) : null;
          children.get(parent).add(new Child(fd, column, null, Accessors.function(getter), has,
              new SerializedString(Child.leafName(fd, column))));
        }
        parent = path;
      }
    }
    return new Node("", null, children.get(""));
  }

  /**
   * The generated getters as functions, made once: {@code Message.getField} looks the accessor up
   * and calls it reflectively for each field of each event, several times the cost of the document.
   */
  static final class Accessors {

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

    private Accessors() {}

    /** {@code <prefix><FieldName><suffix>()} of the generated class, as protoc names it. */
    static Method method(Class<?> owner, String prefix, FieldDescriptor fd, String suffix) {
      String name = prefix + camel(fd.getName()) + suffix;
      try {
        return owner.getMethod(name);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException(owner.getName() + " has no " + name + "() for " + fd.getFullName(), e);
      }
    }

    static Method method(Class<?> owner, String prefix, FieldDescriptor fd) {
      return method(owner, prefix, fd, "");
    }

    /** protoc's Java name: each letter after an underscore or a digit upper-cased, underscores dropped. */
    static String camel(String field) {
      StringBuilder name = new StringBuilder(field.length());
      boolean upper = true;
      for (char c : field.toCharArray()) {
        if (c == '_') {
          upper = true;
        } else if (Character.isDigit(c)) {
          name.append(c);
          upper = true;
        } else {
          name.append(upper ? Character.toUpperCase(c) : c);
          upper = false;
        }
      }
      return name.toString();
    }

    @SuppressWarnings("unchecked")
    static Function<Object, Object> function(Method getter) {
      try {
        MethodHandle target = LOOKUP.unreflect(getter);
        CallSite site = LambdaMetafactory.metafactory(LOOKUP, "apply", MethodType.methodType(Function.class),
            MethodType.methodType(Object.class, Object.class), target, target.type());
        return (Function<Object, Object>) site.getTarget().invokeExact();
      } catch (Throwable e) {
        throw new IllegalStateException("cannot make a function of " + getter, e);
      }
    }
  }
}
