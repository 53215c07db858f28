package dev.millrace.enricher.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Pending records outlive a release in the store's changelog: the format must stay readable. */
class PendingRecordTest {

  @Test
  void roundTripsWithAndWithoutAKey() {
    PendingRecord withKey = new PendingRecord("k-é", new byte[] {1, 2, 3}, 17L, "raw", 2, 99L);
    PendingRecord noKey = new PendingRecord(null, new byte[0], -1L, "raw", 0, 0L);
    assertThat(same(PendingRecord.fromBytes(withKey.toBytes()), withKey)).isTrue();
    assertThat(same(PendingRecord.fromBytes(noKey.toBytes()), noKey)).isTrue();
  }

  @Test
  void readsTheFormatWrittenByEarlierReleases() throws Exception {
    // Format 1, as written since the first release: big-endian lengths and numbers, -1 for null.
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buffer)) {
      out.writeByte(1);
      out.writeInt(-1);
      out.writeInt(2);
      out.write(new byte[] {7, 8});
      out.writeLong(1_700_000_000_000L);
      out.writeInt(3);
      out.write("raw".getBytes(StandardCharsets.UTF_8));
      out.writeInt(5);
      out.writeLong(123_456L);
    }
    PendingRecord expected = new PendingRecord(null, new byte[] {7, 8}, 1_700_000_000_000L, "raw", 5, 123_456L);
    assertThat(same(PendingRecord.fromBytes(buffer.toByteArray()), expected)).isTrue();
    assertThat(expected.toBytes()).isEqualTo(buffer.toByteArray());
  }

  @Test
  void aTruncatedRecordFailsLoudly() {
    byte[] bytes = new PendingRecord("k", new byte[] {1}, 1L, "raw", 0, 1L).toBytes();
    assertThatThrownBy(() -> PendingRecord.fromBytes(Arrays.copyOf(bytes, bytes.length - 3)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("truncated");
  }

  private static boolean same(PendingRecord a, PendingRecord b) {
    return java.util.Objects.equals(a.key(), b.key()) && Arrays.equals(a.value(), b.value())
        && a.timestamp() == b.timestamp() && a.topic().equals(b.topic())
        && a.partition() == b.partition() && a.offset() == b.offset();
  }
}
