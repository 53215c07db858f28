package dev.millrace.curation.input;

import static org.apache.iceberg.types.Types.NestedField.optional;

import dev.millrace.proto.columns.EventColumn;
import dev.millrace.proto.columns.EventColumns;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The batch loader's Parquet columns ({@link EventColumns}) as an Iceberg schema, plus the
 * {@code dt} and {@code hour} of the object path, which are not in the files: Iceberg reads
 * identity-partition values from its metadata. Field ids follow the columns' order, which only ever
 * grows at the end. {@code RawSchemaTest} holds it to the loader's own Parquet schema.
 */
public final class RawSchema {

  public static final Schema SCHEMA = build();

  /** Partitioned by the path's day and hour, so a run reads only its day's files. */
  public static final PartitionSpec SPEC = PartitionSpec.builderFor(SCHEMA).identity("dt").identity("hour").build();

  private RawSchema() {}

  private static Schema build() {
    List<Types.NestedField> fields = new ArrayList<>();
    int id = 1;
    for (EventColumn column : EventColumns.ALL) {
      int fieldId = id++;
      Type type = switch (column.type()) {
        case STRING, JSON, ENUM_NAME -> Types.StringType.get();
        case TIMESTAMP -> Types.TimestampType.withZone();
        case INT32 -> Types.IntegerType.get();
        case INT64 -> Types.LongType.get();
        case DOUBLE -> Types.DoubleType.get();
        case BOOLEAN -> Types.BooleanType.get();
        case STRING_LIST -> Types.ListType.ofRequired(id++, Types.StringType.get());
      };
      fields.add(Types.NestedField.builder().withId(fieldId).withName(column.name()).ofType(type)
          .isOptional(!column.required()).build());
    }
    fields.add(optional(id++, "dt", Types.DateType.get(), "day of the object path (dt=)"));
    fields.add(optional(id, "hour", Types.IntegerType.get(), "hour of the object path (hour=)"));
    return new Schema(fields);
  }
}
