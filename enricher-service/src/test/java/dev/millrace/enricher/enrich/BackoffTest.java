package dev.millrace.enricher.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void waitsDoubleUpToTheCapAndJitterWithinTheUpperHalf() {
    Backoff low = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), () -> 0.0);
    Backoff high = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), () -> 0.999999);
    assertThat(low.delay(1)).isEqualTo(Duration.ofMillis(50));
    assertThat(high.delay(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(high.delay(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(high.delay(5)).isEqualTo(Duration.ofMillis(1600));
    assertThat(high.delay(6)).isEqualTo(Duration.ofSeconds(2));
    assertThat(high.delay(10_000)).isEqualTo(Duration.ofSeconds(2));
    assertThat(low.delay(10_000)).isEqualTo(Duration.ofSeconds(1));
  }
}
