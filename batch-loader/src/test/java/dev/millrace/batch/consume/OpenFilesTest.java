package dev.millrace.batch.consume;

import static dev.millrace.batch.consume.LoopParts.T0;
import static dev.millrace.batch.consume.LoopParts.TP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.config.BatchProperties.MarkerMode;
import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.support.TestProps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation and eviction of a partition's open files, without a consumer or uploads. */
class OpenFilesTest {

  @TempDir Path dir;
  private LoopParts parts;
  private OpenFiles files;
  private PartitionState st;

  private void setUp(long maxRecords, int maxOpenFiles) throws Exception {
    parts = new LoopParts(TestProps.props(dir.resolve("spill"), maxRecords, Duration.ofMinutes(5),
        maxOpenFiles, MarkerMode.NONE));
    files = new OpenFiles(parts.props, parts.props.spillDir(), maxOpenFiles, parts.states,
        parts.uploader, parts.metrics);
    files.clearSpillDirectory();
    st = parts.recovered(TP);
  }

  private void append(long offset, String type) throws Exception {
    Instant at = T0.plusSeconds(offset);
    ConsumerRecord<String, byte[]> record = LoopParts.record(TP, offset, type, at);
    files.append(st, Destination.of(type, at.toEpochMilli()), LoopParts.parsed(record), record,
        parts.clock.millis());
    parts.clock.advance(Duration.ofSeconds(1));
  }

  private static String range(OpenFile f) {
    return f.destination.eventType() + "[" + f.firstOffset + ".." + f.lastOffset + "]";
  }

  @Test
  void eachDestinationHasItsOwnFileAndTheCommitWaitsForTheOldestOfThem() throws Exception {
    setUp(1000, 10);
    append(0, "click");
    append(1, "page_view");
    append(2, "page_view");
    assertThat(files.count()).isEqualTo(2);
    assertThat(st.open.values()).extracting(OpenFilesTest::range)
        .containsExactly("click[0..0]", "page_view[1..2]");
    assertThat(st.committable()).as("the click file holds the commit").isZero();
  }

  @Test
  void aFileClosesAtMaxRecordsAndWaitsForUploadHoldingTheCommit() throws Exception {
    setUp(3, 10);
    for (int i = 0; i < 4; i++) {
      append(i, "page_view");
    }
    assertThat(st.pending).extracting(OpenFilesTest::range).containsExactly("page_view[0..2]");
    assertThat(parts.uploader.size()).isEqualTo(1);
    assertThat(st.open.values()).extracting(OpenFilesTest::range).containsExactly("page_view[3..3]");
    assertThat(st.committable()).as("closed is not stored").isZero();
  }

  @Test
  void theOpenFileCapClosesTheOldestFile() throws Exception {
    setUp(1000, 2);
    append(0, "a");
    append(1, "b");
    append(2, "c");
    assertThat(files.count()).isEqualTo(2);
    assertThat(st.pending).extracting(OpenFilesTest::range).containsExactly("a[0..0]");
    assertThat(st.open.values()).extracting(OpenFilesTest::range)
        .containsExactly("b[1..1]", "c[2..2]");
  }

  @Test
  void aQuietFileClosesWhenTheIntervalPassesWithoutANewRecord() throws Exception {
    setUp(1000, 10);
    append(0, "click");
    parts.clock.advance(Duration.ofMinutes(4));
    files.rotateByTime(parts.clock.millis());
    assertThat(st.pending).isEmpty();
    parts.clock.advance(Duration.ofMinutes(1));
    files.rotateByTime(parts.clock.millis());
    assertThat(st.pending).extracting(OpenFilesTest::range).containsExactly("click[0..0]");
    assertThat(files.count()).isZero();
  }

  @Test
  void aFileWhereThePreviousOwnerLeftAnUnfinishedUploadEndsWhereThatUploadEnds() throws Exception {
    setUp(2, 1);
    Map<Long, Long> unfinished = new HashMap<>(Map.of(0L, 3L));
    st.unfinished.put(Destination.of("a", T0.toEpochMilli()), unfinished);
    append(0, "a");
    append(1, "b"); // over the cap: the held file stays open, so both are open for a moment
    assertThat(st.open.values()).extracting(OpenFilesTest::range).containsExactly("a[0..0]", "b[1..1]");
    append(2, "a"); // past max-records, but the file ends where the previous owner's did
    append(3, "a");
    assertThat(st.pending).extracting(OpenFilesTest::range).contains("a[0..3]");
    assertThat(unfinished).as("used once").isEmpty();
  }

  @Test
  void aShutdownClosesEveryFileButOneHeldToAPreviousOwnersReceipt() throws Exception {
    setUp(1000, 10);
    st.unfinished.put(Destination.of("a", T0.toEpochMilli()), new HashMap<>(Map.of(0L, 5L)));
    append(0, "a");
    append(1, "b");
    files.closeAllForShutdown();
    assertThat(st.pending).extracting(OpenFilesTest::range).containsExactly("b[1..1]");
    assertThat(st.open.values()).extracting(OpenFilesTest::range).containsExactly("a[0..0]");
  }

  @Test
  void spillFilesOfAPreviousRunAreClearedAndDiscardedFilesLeaveNothingBehind() throws Exception {
    Path spill = dir.resolve("spill");
    Files.createDirectories(spill);
    Files.write(spill.resolve("left-over.parquet"), new byte[] {1});
    setUp(1000, 10);
    assertThat(spill.resolve("left-over.parquet")).doesNotExist();
    append(0, "a");
    append(1, "b");
    files.discard(st);
    assertThat(files.count()).isZero();
    try (var left = Files.list(spill)) {
      assertThat(left).isEmpty();
    }
  }
}
