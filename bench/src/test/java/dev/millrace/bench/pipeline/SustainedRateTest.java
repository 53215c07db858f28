package dev.millrace.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SustainedRateTest {

  private static SustainedRate.Sample at(double seconds, long searchable, long onS3) {
    return new SustainedRate.Sample((long) (seconds * 1e9), searchable, onS3);
  }

  @Test
  void theRateIsTheSlowerEndsAfterTheRampUp() {
    List<SustainedRate.Sample> samples = List.of(at(0, 0, 0), at(5, 100, 0), at(10, 5_000, 3_000),
        at(20, 15_000, 11_000), at(30, 25_000, 21_000));
    // From 10 s: searchable +20,000, on S3 +18,000 in 20 s.
    assertThat(SustainedRate.of(samples, 10_000_000_000L)).isCloseTo(900.0, within(1e-9));
  }

  @Test
  void fewerThanTwoSamplesInTheWindowGiveNoRate() {
    assertThat(SustainedRate.of(List.of(at(0, 0, 0), at(10, 5, 5)), 9_000_000_000L)).isNaN();
    assertThat(SustainedRate.of(List.of(), 0)).isNaN();
  }
}
