package dev.millrace.batch.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.config.BatchProperties.Compression;
import dev.millrace.batch.support.Events;
import dev.millrace.batch.support.ParquetRows;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;

class SpillFileTest {

  @TempDir Path dir;

  /** The event as the loader hands it over: read in place from its wire bytes. */
  static WireEvent wire(dev.millrace.proto.v1.EnrichedEvent event) throws Exception {
    WireEvent wire = new WireEvent();
    wire.parse(event.toByteArray());
    return wire;
  }

  private static BatchProperties.Parquet settings(Compression compression, int zstdLevel) {
    return new BatchProperties.Parquet(compression, DataSize.ofMegabytes(1), zstdLevel);
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void writesTypedColumnsThatAnIndependentReaderReadsBack(Compression compression) throws Exception {
    Path file = dir.resolve("f.parquet");
    Instant at = Instant.parse("2026-11-20T10:15:30.123456Z");
    try (SpillFile spill = new SpillFile(file, settings(compression, 1))) {
      spill.write(wire(Events.enriched("id-1", "page_view", at)), "t", 2, 41);
      spill.write(wire(Events.enriched("id-2", "page_view", at)), "t", 2, 42);
      assertThat(spill.records()).isEqualTo(2);
    }
    List<Group> rows = ParquetRows.read(file);
    assertThat(rows).hasSize(2);
    Group first = rows.get(0);
    assertThat(first.getString("event_id", 0)).isEqualTo("id-1");
    assertThat(first.getString("event_type", 0)).isEqualTo("page_view");
    assertThat(first.getLong("received_at", 0)).isEqualTo(at.getEpochSecond() * 1_000_000 + 123_456);
    assertThat(first.getString("payload_json", 0)).isEqualTo("{\"price\":12.50,\"sku\":\"A-1\"}");
    assertThat(first.getDouble("bot_score", 0)).isEqualTo(0.25);
    assertThat(first.getString("ua_agent_name", 0)).isEqualTo("Firefox");
    assertThat(first.getString("transport", 0)).isEqualTo("TRANSPORT_REST");
    assertThat(first.getInteger("batch_index", 0)).isEqualTo(3);
    assertThat(first.getGroup("enrichments_applied", 0).getFieldRepetitionCount("list")).isEqualTo(2);
    assertThat(first.getFieldRepetitionCount("campaign_source")).as("absent campaign is null").isZero();
    assertThat(rows.get(1).getLong("kafka_offset", 0)).isEqualTo(42);
  }

  @Test
  void discardRemovesTheLocalFile() throws Exception {
    Path file = dir.resolve("g.parquet");
    SpillFile spill = new SpillFile(file, settings(Compression.ZSTD, 1));
    spill.write(wire(Events.enriched("id-1", "page_view", Instant.now())), "t", 0, 0);
    spill.discard();
    assertThat(file).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(ints = {-7, 1, 3, 19})
  void everyAllowedZstdLevelWritesFilesTheReaderDecodes(int level) throws Exception {
    Path file = dir.resolve("z" + level + ".parquet");
    Instant at = Instant.parse("2026-11-20T10:15:30Z");
    // One context compresses every page of the file: at least one per column.
    try (SpillFile spill = new SpillFile(file, settings(Compression.ZSTD, level))) {
      for (int i = 0; i < 3000; i++) {
        spill.write(wire(Events.enriched("id-" + i, "page_view", at)), "t", 0, i);
      }
    }
    List<Group> rows = ParquetRows.read(file);
    assertThat(rows).hasSize(3000);
    assertThat(rows.get(2999).getString("event_id", 0)).isEqualTo("id-2999");
    assertThat(rows.get(2999).getLong("kafka_offset", 0)).isEqualTo(2999);
  }
}
