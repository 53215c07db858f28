package dev.millrace.realtime.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void delaysDoubleUpToTheCap() {
    RetryPolicy highest = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.9999);

    assertThat(highest.delay(0)).isBetween(Duration.ofMillis(99), Duration.ofMillis(100));
    assertThat(highest.delay(1)).isBetween(Duration.ofMillis(199), Duration.ofMillis(200));
    assertThat(highest.delay(3)).isBetween(Duration.ofMillis(799), Duration.ofMillis(800));
    assertThat(highest.delay(7)).isEqualTo(highest.delay(40)).isBetween(Duration.ofMillis(9990), Duration.ofSeconds(10));
  }

  @Test
  void jitterSpreadsEachDelayOverItsUpperHalf() {
    RetryPolicy lowest = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.0);
    RetryPolicy middle = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.5);

    assertThat(lowest.delay(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(middle.delay(2)).isEqualTo(Duration.ofMillis(300));
  }

  @Test
  void aHugeAttemptNumberNeitherOverflowsNorExceedsTheCap() {
    RetryPolicy policy = new RetryPolicy(Duration.ofMillis(1), Duration.ofMinutes(1), () -> 0.5);

    assertThat(policy.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMillis(45_000));
  }
}
