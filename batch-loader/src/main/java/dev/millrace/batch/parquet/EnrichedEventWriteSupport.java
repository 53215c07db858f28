package dev.millrace.batch.parquet;

import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.millrace.proto.columns.EventColumn;
import dev.millrace.proto.columns.EventColumn.ColumnType;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Writes {@link Row}s straight into Parquet's record consumer, column by column in
 * {@link EventSchema}'s order (no intermediate object model). String values are slices of the
 * record's wire bytes, handed over as reused arrays: Parquet copies what it keeps (dictionary
 * entries, min/max). Empty strings and values of absent messages are written as nulls; an enum
 * number the code does not know is written {@code UNRECOGNIZED}, as generated code names it.
 */
final class EnrichedEventWriteSupport extends WriteSupport<EnrichedEventWriteSupport.Row> {

  /** One record with where it came from. */
  record Row(WireEvent event, Binary topic, int partition, long offset) {}

  private static final EventColumn[] COLUMNS = WireEvent.COLUMNS;
  private static final String[] NAMES = new String[COLUMNS.length];
  /** An enum column's constant names by number. */
  private static final Binary[][] ENUM_NAMES = new Binary[COLUMNS.length][];
  private static final Binary UNRECOGNIZED = Binary.fromString("UNRECOGNIZED");

  static {
    for (int c = 0; c < COLUMNS.length; c++) {
      NAMES[c] = EventSchema.SCHEMA.getFieldName(c);
      if (!NAMES[c].equals(COLUMNS[c].name())) {
        throw new IllegalStateException("column " + c + " is " + COLUMNS[c].name() + ", the schema's " + NAMES[c]);
      }
      if (COLUMNS[c].type() == ColumnType.ENUM_NAME) {
        List<FieldDescriptor> path = COLUMNS[c].descriptors();
        ENUM_NAMES[c] = names(path.get(path.size() - 1).getEnumType());
      }
    }
  }

  private RecordConsumer out;

  @Override
  public WriteContext init(Configuration configuration) {
    return new WriteContext(EventSchema.SCHEMA, new HashMap<>());
  }

  @Override
  public WriteContext init(ParquetConfiguration configuration) {
    return new WriteContext(EventSchema.SCHEMA, Map.of("writer", "millrace-batch-loader"));
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  @Override
  public void write(Row row) {
    WireEvent e = row.event();
    out.startMessage();
    for (int c = 0; c < COLUMNS.length; c++) {
      EventColumn column = COLUMNS[c];
      if (column.isLineage()) {
        lineage(c, row);
        continue;
      }
      if (!hasValue(e, c, column)) {
        continue;
      }
      start(c);
      switch (column.type()) {
        case STRING, JSON -> out.addBinary(Binary.fromReusedByteArray(e.bytes(), e.start(c), e.length(c)));
        case ENUM_NAME -> out.addBinary(enumName(c, e.number(c)));
        case TIMESTAMP -> out.addLong(e.micros(c));
        case INT32 -> out.addInteger((int) e.number(c));
        case INT64 -> out.addLong(e.number(c));
        case DOUBLE -> out.addDouble(e.doubleValue(c));
        case BOOLEAN -> out.addBoolean(e.number(c) != 0);
        case STRING_LIST -> list(c, e);
      }
      end(c);
    }
    out.endMessage();
  }

  /** Whether the column has a value: else it is null (an unset string reads empty in proto3). */
  private static boolean hasValue(WireEvent e, int c, EventColumn column) {
    return switch (column.type()) {
      case STRING, JSON -> column.required() || e.length(c) > 0;
      case STRING_LIST -> e.listCount(c) > 0;
      default -> e.present(c);
    };
  }

  /** The Kafka coordinates: not in the message, but where the row came from. */
  private void lineage(int c, Row row) {
    start(c);
    switch (COLUMNS[c].field()) {
      case "kafka.topic" -> out.addBinary(row.topic());
      case "kafka.partition" -> out.addInteger(row.partition());
      case "kafka.offset" -> out.addLong(row.offset());
      default -> throw new IllegalStateException("no lineage value " + COLUMNS[c].field());
    }
    end(c);
  }

  /** A three-level Parquet {@code LIST} of the field's strings. */
  private void list(int c, WireEvent e) {
    out.startGroup();
    out.startField("list", 0);
    for (int i = 0; i < e.listCount(c); i++) {
      out.startGroup();
      out.startField("element", 0);
      out.addBinary(Binary.fromReusedByteArray(e.bytes(), e.listStart(c, i), e.listLength(c, i)));
      out.endField("element", 0);
      out.endGroup();
    }
    out.endField("list", 0);
    out.endGroup();
  }

  private void start(int c) {
    out.startField(NAMES[c], c);
  }

  private void end(int c) {
    out.endField(NAMES[c], c);
  }

  private static Binary enumName(int c, long number) {
    Binary[] names = ENUM_NAMES[c];
    return number >= 0 && number < names.length && names[(int) number] != null ? names[(int) number] : UNRECOGNIZED;
  }

  /** Each known number's name, by number. */
  private static Binary[] names(EnumDescriptor type) {
    int max = type.getValues().stream().mapToInt(EnumValueDescriptor::getNumber).max().orElse(-1);
    Binary[] names = new Binary[max + 1];
    for (EnumValueDescriptor value : type.getValues()) {
      if (value.getNumber() >= 0) {
        names[value.getNumber()] = Binary.fromConstantByteArray(value.getName().getBytes(StandardCharsets.UTF_8));
      }
    }
    return names;
  }
}
