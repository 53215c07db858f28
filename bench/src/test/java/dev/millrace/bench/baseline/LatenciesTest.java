package dev.millrace.bench.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatenciesTest {

  @Test
  void percentilesUseNearestRankInMilliseconds() {
    Latencies latencies = new Latencies(1);
    for (int ms = 100; ms >= 1; ms--) {
      latencies.add(ms * 1_000_000L);
    }
    assertThat(latencies.percentileMillis(50)).isEqualTo(50.0);
    assertThat(latencies.percentileMillis(99)).isEqualTo(99.0);
    assertThat(latencies.percentileMillis(100)).isEqualTo(100.0);
  }

  @Test
  void noSamplesMeansNoFigureRatherThanZero() {
    assertThat(new Latencies(0).percentileMillis(50)).isNaN();
  }
}
