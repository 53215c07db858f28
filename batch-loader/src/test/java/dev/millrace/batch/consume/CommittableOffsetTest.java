package dev.millrace.batch.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CommittableOffsetTest {

  @Test
  void withNothingUnflushedTheNextOffsetIsCommitted() {
    assertThat(CommittableOffset.of(101, LongStream.empty())).isEqualTo(101);
  }

  @Test
  void theCommitStopsAtTheOldestRecordStillInAnOpenFile() {
    // page_view file opened at 40, click file at 12 (quiet, still open), hour-10 file at 77.
    assertThat(CommittableOffset.of(101, LongStream.of(40, 12, 77))).isEqualTo(12);
  }
}
