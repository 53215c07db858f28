package dev.millrace.batch.parquet;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import dev.millrace.proto.columns.EventColumn;
import dev.millrace.proto.columns.EventColumn.ColumnType;
import dev.millrace.proto.columns.EventColumns;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code millrace.v1.EnrichedEvent} read in place from its protobuf wire bytes into the columns
 * of {@link EventColumns}: every string column's value is a slice of the record's own bytes, so no
 * message objects are built and no string is decoded from UTF-8 only to be encoded again for
 * Parquet. Decoding into {@code EnrichedEvent} cost the loader as much CPU as a fifth of the Parquet
 * encoding.
 *
 * <p>Which field feeds which column is read from the columns' proto paths once, into a table per
 * message type ({@link Message}); a field without a column is skipped like an unknown one. The rules
 * are protobuf's: a field seen twice keeps its last value (a sub-message seen twice is merged, a
 * repeated field appends), unknown fields and fields of an unexpected wire type are skipped, and
 * strings must be valid UTF-8; malformed bytes throw {@link InvalidProtocolBufferException}, as
 * {@code EnrichedEvent.parseFrom} would. {@code WireEventTest} holds it to the generated parser.
 *
 * <p>A number, boolean or enum column is present when the message that holds it is (proto3 does not
 * tell an unset zero from a zero); a string column when it is not empty; a timestamp column when its
 * {@code Timestamp} message is there.
 *
 * <p>One instance is reused for record after record by one thread; {@link #parse} resets it.
 */
public final class WireEvent {

  /** The columns, in {@link EventColumns#ALL}'s order: a column's index is its slot here. */
  static final EventColumn[] COLUMNS = EventColumns.ALL.toArray(EventColumn[]::new);

  /** Every message type of the tree, by its id. */
  private static final List<Message> MESSAGES = new ArrayList<>();
  private static final Message ROOT = Message.create();

  static {
    for (int c = 0; c < COLUMNS.length; c++) {
      if (!COLUMNS[c].isLineage()) {
        ROOT.add(COLUMNS[c].descriptors(), 0, c);
      }
    }
  }

  private static final int EVENT_TYPE = slot("event_type");
  private static final int OCCURRED_AT = slot("occurred_at");
  private static final int RECEIVED_AT = slot("received_at");
  private static final int RAW = ROOT.child("raw").id;
  private static final int EVENT = ROOT.child("raw").child("event").id;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private byte[] bytes;
  private final int[] start = new int[COLUMNS.length];
  private final int[] length = new int[COLUMNS.length];
  /** Varints as read, a double's bits, a timestamp's seconds. */
  private final long[] number = new long[COLUMNS.length];
  /** A timestamp's nanos. */
  private final int[] nanos = new int[COLUMNS.length];
  private final boolean[] present = new boolean[COLUMNS.length];
  private final boolean[] seen = new boolean[MESSAGES.size()];
  private final Slices[] lists = new Slices[COLUMNS.length];

  public WireEvent() {
    for (int c = 0; c < COLUMNS.length; c++) {
      if (COLUMNS[c].type() == ColumnType.STRING_LIST) {
        lists[c] = new Slices();
      }
    }
  }

  /** Reads {@code value}, which must stay unchanged until the next call. */
  public void parse(byte[] value) throws InvalidProtocolBufferException {
    bytes = value;
    Arrays.fill(start, 0);
    Arrays.fill(length, 0);
    Arrays.fill(number, 0);
    Arrays.fill(nanos, 0);
    Arrays.fill(present, false);
    Arrays.fill(seen, false);
    for (Slices list : lists) {
      if (list != null) {
        list.count = 0;
      }
    }
    CodedInputStream in = CodedInputStream.newInstance(value);
    try {
      fields(in, ROOT);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  /** Whether the record carries a raw event, which every loadable record does. */
  public boolean hasRawEvent() {
    return seen[RAW] && seen[EVENT];
  }

  /** The event type, as a string: the partition value. */
  public String eventType() {
    return new String(bytes, start[EVENT_TYPE], length[EVENT_TYPE], StandardCharsets.UTF_8);
  }

  /** Epoch milliseconds of the collector's received-at; {@code fallback} when it is absent. */
  public long receivedAtMillis(long fallback) {
    return present[RECEIVED_AT] ? millis(RECEIVED_AT) : fallback;
  }

  /** Epoch milliseconds of the producer's occurred-at; {@code fallback} when it is absent. */
  public long occurredAtMillis(long fallback) {
    return present[OCCURRED_AT] ? millis(OCCURRED_AT) : fallback;
  }

  byte[] bytes() {
    return bytes;
  }

  int start(int column) {
    return start[column];
  }

  /** The string's length in bytes; 0 when absent or empty (proto3 does not tell them apart). */
  int length(int column) {
    return length[column];
  }

  /** Whether a number, boolean, enum or timestamp column has a value. */
  boolean present(int column) {
    return present[column];
  }

  /** A varint column's value: an enum's number, an integer, a boolean as 0 or 1. */
  long number(int column) {
    return number[column];
  }

  double doubleValue(int column) {
    return Double.longBitsToDouble(number[column]);
  }

  /** A timestamp column in UTC microseconds. */
  long micros(int column) {
    return number[column] * 1_000_000L + nanos[column] / 1_000;
  }

  private long millis(int column) {
    return number[column] * 1_000L + nanos[column] / 1_000_000;
  }

  int listCount(int column) {
    return lists[column].count;
  }

  int listStart(int column, int i) {
    return lists[column].start[i];
  }

  int listLength(int column, int i) {
    return lists[column].length[i];
  }

  private static int slot(String name) {
    return EventColumns.ALL.indexOf(EventColumns.named(name));
  }

  /** The slices of a repeated string field. */
  private static final class Slices {
    int[] start = new int[8];
    int[] length = new int[8];
    int count;

    void add(int at, int n) {
      if (count == start.length) {
        start = Arrays.copyOf(start, count * 2);
        length = Arrays.copyOf(length, count * 2);
      }
      start[count] = at;
      length[count] = n;
      count++;
    }
  }

  // ---- which field feeds which column --------------------------------------------------------

  // How a field is read (an int switch: this runs for every field of every record).
  private static final int SKIP = 0;
  private static final int STRING = 1;
  private static final int STRINGS = 2;
  private static final int VARINT = 3;
  private static final int FIXED64 = 4;
  private static final int TIMESTAMP = 5;
  private static final int MESSAGE = 6;

  /** A message type on the way to some column: what each of its field numbers is read as. */
  private static final class Message {
    final int id;
    final Map<String, Message> byName = new HashMap<>();
    /** By field number: how it is read, and the tag it must come with (field number and wire type). */
    int[] read = new int[0];
    int[] tag = new int[0];
    int[] column = new int[0];
    Message[] child = new Message[0];
    /** The number, boolean and enum columns of this message: present when the message is. */
    int[] scalars = new int[0];

    private Message(int id) {
      this.id = id;
    }

    static Message create() {
      Message message = new Message(MESSAGES.size());
      MESSAGES.add(message);
      return message;
    }

    Message child(String name) {
      return byName.get(name);
    }

    void add(List<FieldDescriptor> path, int depth, int columnIndex) {
      FieldDescriptor fd = path.get(depth);
      int n = fd.getNumber();
      grow(n);
      if (depth < path.size() - 1) {
        Message next = byName.get(fd.getName());
        if (next == null) {
          next = create();
          byName.put(fd.getName(), next);
          read[n] = MESSAGE;
          tag[n] = n << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
          child[n] = next;
        }
        next.add(path, depth + 1, columnIndex);
        return;
      }
      column[n] = columnIndex;
      read[n] = switch (COLUMNS[columnIndex].type()) {
        case STRING, JSON -> STRING;
        case STRING_LIST -> STRINGS;
        case TIMESTAMP -> TIMESTAMP;
        case DOUBLE -> FIXED64;
        case ENUM_NAME, INT32, INT64, BOOLEAN -> VARINT;
      };
      tag[n] = n << 3 | switch (read[n]) {
        case VARINT -> WireFormat.WIRETYPE_VARINT;
        case FIXED64 -> WireFormat.WIRETYPE_FIXED64;
        default -> WireFormat.WIRETYPE_LENGTH_DELIMITED;
      };
      if (read[n] == VARINT || read[n] == FIXED64) {
        scalars = Arrays.copyOf(scalars, scalars.length + 1);
        scalars[scalars.length - 1] = columnIndex;
      }
    }

    private void grow(int fieldNumber) {
      if (fieldNumber >= read.length) {
        read = Arrays.copyOf(read, fieldNumber + 1);
        tag = Arrays.copyOf(tag, fieldNumber + 1);
        column = Arrays.copyOf(column, fieldNumber + 1);
        child = Arrays.copyOf(child, fieldNumber + 1);
      }
    }
  }

  // ---- reading -------------------------------------------------------------------------------

  private void fields(CodedInputStream in, Message message) throws IOException {
    seen[message.id] = true;
    for (int c : message.scalars) {
      present[c] = true;
    }
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int n = WireFormat.getTagFieldNumber(tag);
      // A field without a column, or of another wire type than its column's, is skipped, as an unknown field.
      int read = n < message.read.length && message.tag[n] == tag ? message.read[n] : SKIP;
      int c = read == SKIP ? -1 : message.column[n];
      switch (read) {
        case STRING -> {
          int at = utf8(in);
          start[c] = at;
          length[c] = in.getTotalBytesRead() - at;
        }
        case STRINGS -> {
          int at = utf8(in);
          lists[c].add(at, in.getTotalBytesRead() - at);
        }
        case VARINT -> number[c] = in.readRawVarint64();
        case FIXED64 -> number[c] = in.readRawLittleEndian64();
        case TIMESTAMP -> timestamp(in, c);
        case MESSAGE -> {
          int limit = in.pushLimit(in.readRawVarint32());
          fields(in, message.child[n]);
          in.popLimit(limit);
        }
        default -> skip(in, tag);
      }
    }
  }

  private void timestamp(CodedInputStream in, int c) throws IOException {
    present[c] = true;
    int limit = in.pushLimit(in.readRawVarint32());
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | WireFormat.WIRETYPE_VARINT -> number[c] = in.readInt64();
        case (2 << 3) | WireFormat.WIRETYPE_VARINT -> nanos[c] = in.readInt32();
        default -> skip(in, tag);
      }
    }
    in.popLimit(limit);
  }

  /** Steps over a length-delimited UTF-8 value and returns where it starts; it ends where the input now is. */
  private int utf8(CodedInputStream in) throws IOException {
    int n = in.readRawVarint32();
    int at = in.getTotalBytesRead();
    in.skipRawBytes(n); // checks the length against the message and the buffer
    requireUtf8(at, n);
    return at;
  }

  private void requireUtf8(int at, int n) throws InvalidProtocolBufferException {
    // Most values are ASCII, checked here eight bytes at a time: protobuf's check went byte by
    // byte and took a fifth of the encoding thread. Anything else gets protobuf's own check (the
    // wrap copies nothing).
    if (!isAscii(bytes, at, n) && !UnsafeByteOperations.unsafeWrap(bytes, at, n).isValidUtf8()) {
      throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8.");
    }
  }

  static boolean isAscii(byte[] b, int from, int length) {
    int i = from;
    int end = from + length;
    for (; i + Long.BYTES <= end; i += Long.BYTES) {
      if (((long) LONGS.get(b, i) & 0x8080808080808080L) != 0) {
        return false;
      }
    }
    for (; i < end; i++) {
      if (b[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private static void skip(CodedInputStream in, int tag) throws IOException {
    if (!in.skipField(tag)) {
      // An end-group tag that closes nothing: protobuf rejects it the same way.
      throw new InvalidProtocolBufferException("Protocol message end-group tag did not match expected tag.");
    }
  }
}
