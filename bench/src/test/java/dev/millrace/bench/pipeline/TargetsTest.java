package dev.millrace.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TargetsTest {

  @Test
  void aTargetIsMetAtItsBoundAndUnknownWhenNotMeasured() {
    assertThat(Targets.atLeast(0.5, Targets.RATE_VS_COMPOSITION)).isEqualTo("PASS");
    assertThat(Targets.atLeast(0.49, Targets.RATE_VS_COMPOSITION)).isEqualTo("BELOW");
    assertThat(Targets.atMost(2000, Targets.SEARCHABLE_P99_AT_HALF_MS)).isEqualTo("PASS");
    assertThat(Targets.atMost(2001, Targets.SEARCHABLE_P99_AT_HALF_MS)).isEqualTo("BELOW");
    assertThat(Targets.atMost(Double.NaN, Targets.SEARCHABLE_P99_IDLE_MS)).isEqualTo("n/a");
    assertThat(Targets.rateNote(0.31)).contains("BELOW").contains("0.31x");
    assertThat(Targets.rateNote(Double.NaN)).endsWith("n/a");
  }
}
