package dev.millrace.enricher.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(value.length + 64);
    try (DataOutputStream out = new DataOutputStream(buffer)) {
      out.writeByte(FORMAT);
      writeBytes(out, key == null ? null : key.getBytes(StandardCharsets.UTF_8));
      writeBytes(out, value);
      out.writeLong(timestamp);
      writeBytes(out, topic.getBytes(StandardCharsets.UTF_8));
      out.writeInt(partition);
      out.writeLong(offset);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  static PendingRecord fromBytes(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte format = in.readByte();
      if (format != FORMAT) {
        throw new IllegalStateException("unknown pending record format " + format);
      }
      byte[] key = readBytes(in);
      byte[] value = readBytes(in);
      long timestamp = in.readLong();
      String topic = new String(readBytes(in), StandardCharsets.UTF_8);
      int partition = in.readInt();
      long offset = in.readLong();
      return new PendingRecord(key == null ? null : new String(key, StandardCharsets.UTF_8), value,
          timestamp, topic, partition, offset);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(b.length);
      out.write(b);
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
