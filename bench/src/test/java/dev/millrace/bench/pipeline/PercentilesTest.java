package dev.millrace.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PercentilesTest {

  @Test
  void nearestRankOnAnUnsortedSample() {
    List<Long> values = new ArrayList<>();
    for (long i = 100; i >= 1; i--) values.add(i);
    Percentiles p = new Percentiles(values);
    assertThat(p.at(50)).isEqualTo(50.0);
    assertThat(p.at(99)).isEqualTo(99.0);
    assertThat(p.at(100)).isEqualTo(100.0);
    assertThat(p.count()).isEqualTo(100);
  }

  @Test
  void aSmallSampleGivesItsLargestValueAsP99() {
    Percentiles p = new Percentiles(List.of(300L, 100L, 200L));
    assertThat(p.at(50)).isEqualTo(200.0);
    assertThat(p.at(99)).isEqualTo(300.0);
  }

  @Test
  void anEmptySampleHasNoPercentiles() {
    assertThat(new Percentiles(List.of()).at(50)).isNaN();
  }
}
