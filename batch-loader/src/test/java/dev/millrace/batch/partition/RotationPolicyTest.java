package dev.millrace.batch.partition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.partition.RotationPolicy.Reason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RotationPolicyTest {

  private static final long HOUR = 3_600_000;
  private final RotationPolicy policy =
      new RotationPolicy(1000, 1_000_000, Duration.ofMinutes(5), Duration.ofMinutes(10));
  private final long opened = 10 * HOUR + 60_000;
  private final long hourEnd = 11 * HOUR;

  @Test
  void aFileStaysOpenUnderEveryLimit() {
    assertThat(policy.decide(999, 999_999, opened, hourEnd, opened + 299_999, Long.MIN_VALUE)).isNull();
  }

  @Test
  void closesOnRecordCountAndOnSize() {
    assertThat(policy.decide(1000, 10, opened, hourEnd, opened, Long.MIN_VALUE)).isEqualTo(Reason.RECORDS);
    assertThat(policy.decide(1, 1_000_000, opened, hourEnd, opened, Long.MIN_VALUE)).isEqualTo(Reason.BYTES);
  }

  @Test
  void aQuietFileClosesWhenTheIntervalHasPassedWithoutAnyNewRecord() {
    // Only the clock moved: the same record count as when the file was opened.
    assertThat(policy.decide(1, 100, opened, hourEnd, opened + Duration.ofMinutes(5).toMillis(),
        Long.MIN_VALUE)).isEqualTo(Reason.INTERVAL);
  }

  @Test
  void aFileOfACompleteHourClosesWithoutWaitingForTheInterval() {
    assertThat(policy.decide(1, 100, opened, hourEnd, opened + 1, hourEnd + Duration.ofMinutes(10).toMillis()))
        .isEqualTo(Reason.HOUR_COMPLETE);
    assertThat(policy.decide(1, 100, opened, hourEnd, opened + 1, hourEnd + Duration.ofMinutes(9).toMillis()))
        .isNull();
  }
}
