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

  // How a column is written (an int switch: this runs for every column of every row).
  private static final int REQUIRED_STRING = 0;
  private static final int STRING = 1;
  private static final int ENUM_NAME = 2;
  private static final int TIMESTAMP = 3;
  private static final int INT32 = 4;
  private static final int INT64 = 5;
  private static final int DOUBLE = 6;
  private static final int BOOLEAN = 7;
  private static final int LIST = 8;
  private static final int KAFKA_TOPIC = 9;
  private static final int KAFKA_PARTITION = 10;
  private static final int KAFKA_OFFSET = 11;
  private static final int[] WRITE = new int[COLUMNS.length];

  static {
    for (int c = 0; c < COLUMNS.length; c++) {
      NAMES[c] = EventSchema.SCHEMA.getFieldName(c);
      WRITE[c] = writeOf(COLUMNS[c]);
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
      switch (WRITE[c]) {
        case REQUIRED_STRING -> string(c, e);
        case STRING -> {
          if (e.length(c) > 0) {
            string(c, e);
          }
        }
        case ENUM_NAME -> {
          if (e.present(c)) {
            start(c);
            out.addBinary(enumName(c, e.number(c)));
            end(c);
          }
        }
        case TIMESTAMP, INT64 -> {
          if (e.present(c)) {
            start(c);
            out.addLong(WRITE[c] == TIMESTAMP ? e.micros(c) : e.number(c));
            end(c);
          }
        }
        case INT32 -> {
          if (e.present(c)) {
            start(c);
            out.addInteger((int) e.number(c));
            end(c);
          }
        }
        case DOUBLE -> {
          if (e.present(c)) {
            start(c);
            out.addDouble(e.doubleValue(c));
            end(c);
          }
        }
        case BOOLEAN -> {
          if (e.present(c)) {
            start(c);
            out.addBoolean(e.number(c) != 0);
            end(c);
          }
        }
        case LIST -> {
          if (e.listCount(c) > 0) {
            start(c);
            list(c, e);
            end(c);
          }
        }
        case KAFKA_TOPIC -> {
          start(c);
          out.addBinary(row.topic());
          end(c);
        }
        case KAFKA_PARTITION -> {
          start(c);
          out.addInteger(row.partition());
          end(c);
        }
        case KAFKA_OFFSET -> {
          start(c);
          out.addLong(row.offset());
          end(c);
        }
        default -> throw new IllegalStateException("column " + NAMES[c] + " has no writer");
      }
    }
    out.endMessage();
  }

  /**
   * How each column is written, decided once from its type: a null is a column left out, and a
   * string is null when empty (proto3 reads an unset string as empty) unless the column is required.
   */
  private static int writeOf(EventColumn column) {
    if (column.isLineage()) {
      return switch (column.field()) {
        case "kafka.topic" -> KAFKA_TOPIC;
        case "kafka.partition" -> KAFKA_PARTITION;
        case "kafka.offset" -> KAFKA_OFFSET;
        default -> throw new IllegalStateException("no lineage value " + column.field());
      };
    }
    return switch (column.type()) {
      case STRING, JSON -> column.required() ? REQUIRED_STRING : STRING;
      case ENUM_NAME -> ENUM_NAME;
      case TIMESTAMP -> TIMESTAMP;
      case INT32 -> INT32;
      case INT64 -> INT64;
      case DOUBLE -> DOUBLE;
      case BOOLEAN -> BOOLEAN;
      case STRING_LIST -> LIST;
    };
  }

  private void string(int c, WireEvent e) {
    start(c);
    out.addBinary(Binary.fromReusedByteArray(e.bytes(), e.start(c), e.length(c)));
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
