package dev.millrace.batch.parquet;

import static org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit.MICROS;
import static org.apache.parquet.schema.LogicalTypeAnnotation.stringType;
import static org.apache.parquet.schema.LogicalTypeAnnotation.timestampType;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BOOLEAN;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.DOUBLE;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

import dev.millrace.proto.columns.EventColumn;
import dev.millrace.proto.columns.EventColumns;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

/**
 * The Parquet schema of an enriched event: the columns of {@link EventColumns}, in their order.
 * Strings and enum names are UTF-8 {@code STRING}s, the payload a JSON string; timestamps are UTC
 * microseconds, which Trino reads as {@code timestamp(6) with time zone}; the applied enrichments a
 * three-level {@code LIST}. The partition columns (event type, dt, hour) are also in the path, as
 * Hive expects; the event type stays in the file too, so a file read alone is complete.
 */
public final class EventSchema {

  public static final MessageType SCHEMA = build();

  private EventSchema() {}

  private static MessageType build() {
    Types.MessageTypeBuilder message = Types.buildMessage();
    for (EventColumn column : EventColumns.ALL) {
      Repetition repetition = column.required() ? Repetition.REQUIRED : Repetition.OPTIONAL;
      switch (column.type()) {
        case STRING, JSON, ENUM_NAME -> message.primitive(BINARY, repetition).as(stringType()).named(column.name());
        case TIMESTAMP -> message.primitive(INT64, repetition).as(timestampType(true, MICROS)).named(column.name());
        case INT32 -> message.primitive(INT32, repetition).named(column.name());
        case INT64 -> message.primitive(INT64, repetition).named(column.name());
        case DOUBLE -> message.primitive(DOUBLE, repetition).named(column.name());
        case BOOLEAN -> message.primitive(BOOLEAN, repetition).named(column.name());
        case STRING_LIST -> message.optionalList().requiredElement(BINARY).as(stringType()).named(column.name());
      }
    }
    return message.named("enriched_event");
  }
}
