package dev.millrace.batch.parquet;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One {@code millrace.v1.EnrichedEvent} read in place from its protobuf wire bytes: every column's
 * value is a slice of the record's own bytes, so no message objects are built and no string is
 * decoded from UTF-8 only to be encoded again for Parquet. Decoding into {@code EnrichedEvent} cost
 * the loader as much CPU as a fifth of the Parquet encoding.
 *
 * <p>The rules are protobuf's: a field seen twice keeps its last value (a sub-message seen twice is
 * merged), unknown fields and fields of an unexpected wire type are skipped, and strings must be
 * valid UTF-8; malformed bytes throw {@link InvalidProtocolBufferException}, as
 * {@code EnrichedEvent.parseFrom} would. {@code WireEventTest} holds it to the generated parser.
 *
 * <p>One instance is reused for record after record by one thread; {@link #parse} resets it.
 */
public final class WireEvent {

  // String columns, by their slot.
  static final int EVENT_ID = 0;
  static final int EVENT_TYPE = 1;
  static final int SCHEMA_VERSION = 2;
  static final int SOURCE = 3;
  static final int PAYLOAD_JSON = 4;
  /** Context fields 1..7: user_agent, ip, page_url, referrer, user_id, anonymous_id, locale. */
  static final int CONTEXT = 5;
  /** Metadata fields 2..5: collector_instance, request_id, client_ip, write_key_id. */
  static final int METADATA = CONTEXT + 7;
  /** User agent fields 1..6. */
  static final int USER_AGENT = METADATA + 4;
  /** Campaign fields 1..6: source, medium, name, term, content, click_id. */
  static final int CAMPAIGN = USER_AGENT + 6;
  /** Referrer fields 2..4: name, host, search_term. */
  static final int REFERRER = CAMPAIGN + 6;
  static final int ANONYMIZED_IP = REFERRER + 3;
  static final int BOT_MODEL_VERSION = ANONYMIZED_IP + 1;
  static final int ENRICHMENT_VERSION = BOT_MODEL_VERSION + 1;
  /** Metadata field 8. */
  static final int REPLAY_ID = ENRICHMENT_VERSION + 1;
  private static final int SLOTS = REPLAY_ID + 1;

  private static final int LENGTH_DELIMITED = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int VARINT = WireFormat.WIRETYPE_VARINT;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private byte[] bytes;
  private final int[] start = new int[SLOTS];
  private final int[] length = new int[SLOTS];
  private int[] appliedStart = new int[8];
  private int[] appliedLength = new int[8];
  private int appliedCount;

  boolean hasRaw;
  boolean hasEvent;
  boolean hasMetadata;
  boolean hasEnrichment;
  boolean hasUserAgent;
  boolean hasCampaign;
  boolean hasReferrer;
  boolean hasBot;
  final Time occurredAt = new Time();
  final Time receivedAt = new Time();
  final Time enrichedAt = new Time();
  int transport;
  int batchIndex;
  int clickIdType;
  int referrerClass;
  double botScore;
  boolean isBot;

  /** A {@code google.protobuf.Timestamp} field: present or not, seconds and nanos. */
  static final class Time {
    boolean present;
    long seconds;
    int nanos;

    long micros() {
      return seconds * 1_000_000L + nanos / 1_000;
    }

    long millis() {
      return seconds * 1_000L + nanos / 1_000_000;
    }

    private void clear() {
      present = false;
      seconds = 0;
      nanos = 0;
    }
  }

  /** Reads {@code value}, which must stay unchanged until the next call. */
  public void parse(byte[] value) throws InvalidProtocolBufferException {
    bytes = value;
    Arrays.fill(start, 0);
    Arrays.fill(length, 0);
    appliedCount = 0;
    hasRaw = hasEvent = hasMetadata = hasEnrichment = false;
    hasUserAgent = hasCampaign = hasReferrer = hasBot = false;
    occurredAt.clear();
    receivedAt.clear();
    enrichedAt.clear();
    transport = batchIndex = clickIdType = referrerClass = 0;
    botScore = 0;
    isBot = false;
    CodedInputStream in = CodedInputStream.newInstance(value);
    try {
      enrichedEvent(in);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  /** Whether the record carries a raw event, which every loadable record does. */
  public boolean hasRawEvent() {
    return hasRaw && hasEvent;
  }

  /** The event type, as a string: the partition value. */
  public String eventType() {
    return new String(bytes, start[EVENT_TYPE], length[EVENT_TYPE], StandardCharsets.UTF_8);
  }

  /** Epoch milliseconds of the collector's received-at; {@code fallback} when it is absent. */
  public long receivedAtMillis(long fallback) {
    return receivedAt.present ? receivedAt.millis() : fallback;
  }

  /** Epoch milliseconds of the producer's occurred-at; {@code fallback} when it is absent. */
  public long occurredAtMillis(long fallback) {
    return occurredAt.present ? occurredAt.millis() : fallback;
  }

  byte[] bytes() {
    return bytes;
  }

  int start(int slot) {
    return start[slot];
  }

  /** The string's length in bytes; 0 when absent or empty (proto3 does not tell them apart). */
  int length(int slot) {
    return length[slot];
  }

  int appliedCount() {
    return appliedCount;
  }

  int appliedStart(int i) {
    return appliedStart[i];
  }

  int appliedLength(int i) {
    return appliedLength[i];
  }

  // ---- the messages, field by field -----------------------------------------------------------

  private void enrichedEvent(CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | LENGTH_DELIMITED -> {
          hasRaw = true;
          message(in, this::rawEvent);
        }
        case (2 << 3) | LENGTH_DELIMITED -> {
          hasEnrichment = true;
          message(in, this::enrichment);
        }
        case (3 << 3) | LENGTH_DELIMITED -> timestamp(in, enrichedAt);
        default -> skip(in, tag);
      }
    }
  }

  private void rawEvent(CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | LENGTH_DELIMITED -> {
          hasEvent = true;
          message(in, this::event);
        }
        case (2 << 3) | LENGTH_DELIMITED -> {
          hasMetadata = true;
          message(in, this::metadata);
        }
        default -> skip(in, tag);
      }
    }
  }

  private void event(CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | LENGTH_DELIMITED -> string(in, EVENT_ID);
        case (2 << 3) | LENGTH_DELIMITED -> string(in, EVENT_TYPE);
        case (3 << 3) | LENGTH_DELIMITED -> string(in, SCHEMA_VERSION);
        case (4 << 3) | LENGTH_DELIMITED -> timestamp(in, occurredAt);
        case (5 << 3) | LENGTH_DELIMITED -> string(in, SOURCE);
        case (6 << 3) | LENGTH_DELIMITED -> strings(in, CONTEXT, 1, 7);
        case (7 << 3) | LENGTH_DELIMITED -> string(in, PAYLOAD_JSON);
        default -> skip(in, tag);
      }
    }
  }

  private void metadata(CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      if (tag == ((1 << 3) | LENGTH_DELIMITED)) {
        timestamp(in, receivedAt);
      } else if (field >= 2 && field <= 5 && WireFormat.getTagWireType(tag) == LENGTH_DELIMITED) {
        string(in, METADATA + field - 2);
      } else if (tag == ((6 << 3) | VARINT)) {
        transport = in.readEnum();
      } else if (tag == ((7 << 3) | VARINT)) {
        batchIndex = in.readInt32();
      } else if (tag == ((8 << 3) | LENGTH_DELIMITED)) {
        string(in, REPLAY_ID);
      } else {
        skip(in, tag);
      }
    }
  }

  private void enrichment(CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | LENGTH_DELIMITED -> {
          hasUserAgent = true;
          strings(in, USER_AGENT, 1, 6);
        }
        case (2 << 3) | LENGTH_DELIMITED -> {
          hasCampaign = true;
          message(in, this::campaign);
        }
        case (3 << 3) | LENGTH_DELIMITED -> {
          hasReferrer = true;
          message(in, this::referrer);
        }
        case (4 << 3) | LENGTH_DELIMITED -> string(in, ANONYMIZED_IP);
        case (5 << 3) | LENGTH_DELIMITED -> {
          hasBot = true;
          message(in, this::bot);
        }
        case (6 << 3) | LENGTH_DELIMITED -> string(in, ENRICHMENT_VERSION);
        case (7 << 3) | LENGTH_DELIMITED -> applied(in);
        default -> skip(in, tag);
      }
    }
  }

  private void campaign(CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      if (field >= 1 && field <= 6 && WireFormat.getTagWireType(tag) == LENGTH_DELIMITED) {
        string(in, CAMPAIGN + field - 1);
      } else if (tag == ((7 << 3) | VARINT)) {
        clickIdType = in.readEnum();
      } else {
        skip(in, tag);
      }
    }
  }

  private void referrer(CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      if (tag == ((1 << 3) | VARINT)) {
        referrerClass = in.readEnum();
      } else if (field >= 2 && field <= 4 && WireFormat.getTagWireType(tag) == LENGTH_DELIMITED) {
        string(in, REFERRER + field - 2);
      } else {
        skip(in, tag);
      }
    }
  }

  private void bot(CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | WireFormat.WIRETYPE_FIXED64 -> botScore = in.readDouble();
        case (2 << 3) | VARINT -> isBot = in.readBool();
        case (3 << 3) | LENGTH_DELIMITED -> string(in, BOT_MODEL_VERSION);
        default -> skip(in, tag);
      }
    }
  }

  /** A message made only of string fields {@code first..last}, stored from {@code slot} on. */
  private void strings(CodedInputStream in, int slot, int first, int last) throws IOException {
    message(in, body -> {
      for (int tag = body.readTag(); tag != 0; tag = body.readTag()) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field >= first && field <= last && WireFormat.getTagWireType(tag) == LENGTH_DELIMITED) {
          string(body, slot + field - first);
        } else {
          skip(body, tag);
        }
      }
    });
  }

  private void timestamp(CodedInputStream in, Time time) throws IOException {
    time.present = true;
    message(in, body -> {
      for (int tag = body.readTag(); tag != 0; tag = body.readTag()) {
        switch (tag) {
          case (1 << 3) | VARINT -> time.seconds = body.readInt64();
          case (2 << 3) | VARINT -> time.nanos = body.readInt32();
          default -> skip(body, tag);
        }
      }
    });
  }

  /** The fields of one embedded message. */
  private interface Fields {
    void read(CodedInputStream in) throws IOException;
  }

  /** Reads an embedded message: its length, then its fields up to that length. */
  private static void message(CodedInputStream in, Fields fields) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    fields.read(in);
    in.popLimit(limit);
  }

  private void string(CodedInputStream in, int slot) throws IOException {
    int at = utf8(in);
    start[slot] = at;
    length[slot] = in.getTotalBytesRead() - at;
  }

  private void applied(CodedInputStream in) throws IOException {
    int at = utf8(in);
    int n = in.getTotalBytesRead() - at;
    if (appliedCount == appliedStart.length) {
      appliedStart = Arrays.copyOf(appliedStart, appliedCount * 2);
      appliedLength = Arrays.copyOf(appliedLength, appliedCount * 2);
    }
    appliedStart[appliedCount] = at;
    appliedLength[appliedCount] = n;
    appliedCount++;
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
