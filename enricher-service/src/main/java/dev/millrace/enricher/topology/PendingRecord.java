package dev.millrace.enricher.topology;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A valid raw record waiting for its enrichment, as kept in the changelogged pending store: all
 * that is needed to write it out (or dead-letter it) after a crash, with its input offset long
 * since committed.
 */
record PendingRecord(String key, byte[] value, long timestamp, String topic, int partition, long offset) {

  private static final byte FORMAT = 1;

  static final Serde<PendingRecord> SERDE = new Serde<>() {
    @Override
    public Serializer<PendingRecord> serializer() {
      return (topic, r) -> r == null ? null : r.toBytes();
    }

    @Override
    public Deserializer<PendingRecord> deserializer() {
      return (topic, bytes) -> bytes == null ? null : fromBytes(bytes);
    }
  };

  byte[] toBytes() {
    byte[] k = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    byte[] t = topic.getBytes(StandardCharsets.UTF_8);
    // One exact-size array: the record is copied once.
    ByteBuffer out = ByteBuffer.allocate(1 + 4 + (k == null ? 0 : k.length) + 4 + value.length + 8
        + 4 + t.length + 4 + 8);
    out.put(FORMAT);
    putBytes(out, k);
    putBytes(out, value);
    out.putLong(timestamp);
    putBytes(out, t);
    out.putInt(partition);
    out.putLong(offset);
    return out.array();
  }

  static PendingRecord fromBytes(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      byte format = in.get();
      if (format != FORMAT) {
        throw new IllegalStateException("unknown pending record format " + format);
      }
      byte[] key = getBytes(in);
      byte[] value = getBytes(in);
      long timestamp = in.getLong();
      String topic = new String(getBytes(in), StandardCharsets.UTF_8);
      int partition = in.getInt();
      long offset = in.getLong();
      return new PendingRecord(key == null ? null : new String(key, StandardCharsets.UTF_8), value,
          timestamp, topic, partition, offset);
    } catch (BufferUnderflowException | NegativeArraySizeException e) {
      throw new IllegalStateException("truncated pending record", e);
    }
  }

  private static void putBytes(ByteBuffer out, byte[] b) {
    if (b == null) {
      out.putInt(-1);
    } else {
      out.putInt(b.length);
      out.put(b);
    }
  }

  private static byte[] getBytes(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.get(b);
    return b;
  }
}
