package dev.millrace.batch.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.partition.Destination;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ObjectNamesTest {

  private final ObjectNames names = new ObjectNames("events");
  private final Destination d = Destination.of("page_view", Instant.parse("2026-11-20T10:30:00Z").toEpochMilli());

  @Test
  void aDataKeyCarriesTopicPartitionAndOffsetRangeInTheHivePartition() {
    String key = names.dataKey(d, new ObjectNames.DataFile("millrace.enriched", 3, 120, 4567));
    assertThat(key).isEqualTo("events/event_type=page_view/dt=2026-11-20/hour=10/"
        + "millrace.enriched-p3-o0000000000000000120-0000000000000004567.parquet");
    assertThat(ObjectNames.parseDataFile(key))
        .isEqualTo(new ObjectNames.DataFile("millrace.enriched", 3, 120, 4567));
  }

  @Test
  void topicsWithDashesAndLargeOffsetsParse() {
    ObjectNames.DataFile f = new ObjectNames.DataFile("a-p1-o2", 12, 0, Long.MAX_VALUE);
    assertThat(ObjectNames.parseDataFile(names.dataKey(d, f))).isEqualTo(f);
  }

  @Test
  void keysThatAreNotOursDoNotParse() {
    assertThat(ObjectNames.parseDataFile("events/event_type=x/dt=2026-01-01/hour=00/_SUCCESS")).isNull();
    assertThat(ObjectNames.parseReceipt("events/_offsets/t/p0/junk")).isNull();
    // s3proxy's filesystem backend lists an object being written under a temporary name.
    assertThat(ObjectNames.parseWatermarkPartition(
        "events/_watermarks/t/p1-c71d2730-8961-4f22-9261-68f4c6ca48c6")).isEqualTo(-1);
    assertThat(ObjectNames.parseWatermarkPartition("events/_watermarks/t/notes.txt")).isEqualTo(-1);
  }

  @Test
  void watermarkKeysParseToTheirPartition() {
    assertThat(ObjectNames.parseWatermarkPartition(names.watermarkKey("a-p1", 12))).isEqualTo(12);
  }

  @Test
  void receiptsSortByLastOffsetAndParseToTheirRange() {
    String key = names.receiptKey("t", 0, 5, 90);
    assertThat(key).isEqualTo("events/_offsets/t/p0/0000000000000000090-0000000000000000005");
    assertThat(ObjectNames.parseReceipt(key)).containsExactly(5, 90);
    assertThat(names.receiptKey("t", 0, 0, 100)).isGreaterThan(key);
  }

  @Test
  void markerKeysAreHiddenFromTrino() {
    assertThat(names.partitionMarkerKey(d)).isEqualTo("events/event_type=page_view/dt=2026-11-20/hour=10/_SUCCESS");
    assertThat(names.hourMarkerKey(d.hourStartMillis())).isEqualTo("events/_markers/dt=2026-11-20/hour=10/_SUCCESS");
  }
}
