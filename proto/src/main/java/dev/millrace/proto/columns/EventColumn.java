package dev.millrace.proto.columns;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.millrace.proto.v1.EnrichedEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * One column of the flat enriched event: what SQL users filter on in the batch loader's Parquet, what
 * the realtime loader indexes, what the curation job reads. {@link EventColumns#ALL} is the one list of
 * them; every store's schema is derived from it.
 *
 * @param name the flat column name, as in Parquet and the lake's raw table, e.g. {@code ua_os_name}
 * @param field where the value comes from: the dot path of proto field names from
 *     {@code millrace.v1.EnrichedEvent}, e.g. {@code enrichment.user_agent.os_name}; or, for the
 *     lineage columns, {@code kafka.topic|partition|offset}, the record's coordinates, which are not in
 *     the message
 * @param type how the value is typed in every store
 * @param required whether every record has a value (proto3 reads an unset string as empty); the rest
 *     are null when unset, or when the message they belong to is absent
 * @param pii how personal the value is; decides whether a column may reach the analysts' tables
 * @param curated the column's name in the curated {@code events} table, or {@code null} when the
 *     curated table leaves it out (operational detail, or {@link Pii#PERSONAL})
 * @param doc what the value is, for column comments
 */
public record EventColumn(String name, String field, ColumnType type, boolean required, Pii pii, String curated,
                          String doc) {

  /** Where the record came from in Kafka: not a field of the message but of the record. */
  public static final String KAFKA = "kafka";

  public EventColumn {
    if (pii == Pii.PERSONAL && curated != null) {
      throw new IllegalArgumentException(name + " is personal data and cannot be a curated column");
    }
  }

  /** The proto field names from {@code EnrichedEvent} to the value. */
  public List<String> path() {
    return List.of(field.split("\\."));
  }

  /**
   * The fields from {@code EnrichedEvent} to the value, outermost first; empty for a lineage column.
   *
   * @throws IllegalStateException when the path names no field of the message
   */
  public List<FieldDescriptor> descriptors() {
    if (isLineage()) {
      return List.of();
    }
    List<FieldDescriptor> fields = new ArrayList<>();
    Descriptor message = EnrichedEvent.getDescriptor();
    for (String part : path()) {
      FieldDescriptor fd = message == null ? null : message.findFieldByName(part);
      if (fd == null) {
        throw new IllegalStateException("column " + name + ": EnrichedEvent has no field " + field);
      }
      fields.add(fd);
      message = fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? fd.getMessageType() : null;
    }
    return List.copyOf(fields);
  }

  /** Whether the value is the Kafka record's coordinate rather than a field of the message. */
  public boolean isLineage() {
    return field.startsWith(KAFKA + ".");
  }

  /** How a column's values are typed, in Parquet, Iceberg, Elasticsearch and Spark alike. */
  public enum ColumnType {
    STRING,
    /** A JSON object as UTF-8 text, copied byte for byte (the event's payload). */
    JSON,
    /** An enum's constant name, e.g. {@code TRANSPORT_REST}. */
    ENUM_NAME,
    /** A {@code google.protobuf.Timestamp}: UTC, microseconds in Parquet, ISO-8601 in Elasticsearch. */
    TIMESTAMP,
    INT32,
    INT64,
    DOUBLE,
    BOOLEAN,
    /** A repeated string field. */
    STRING_LIST
  }

  /** How personal a value is. */
  public enum Pii {
    /** Not about a person. */
    NONE,
    /**
     * About a person, but not naming them directly: ids the enrichment pseudonymises or a producer
     * makes up, a truncated IP, a user agent, a URL.
     */
    PSEUDONYMOUS,
    /** Identifies a person directly (a full IP address): kept out of the analysts' tables. */
    PERSONAL
  }
}
