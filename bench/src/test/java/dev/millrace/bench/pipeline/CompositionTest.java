package dev.millrace.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.millrace.bench.Result;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CompositionTest {

  @Test
  void stagesSharingTheMachineAddTheirCostPerEvent() {
    // 1 / (1/100 + 1/100) = 50: two stages of 10 ms each cost 20 ms per event.
    assertThat(Composition.harmonic(List.of(100.0, 100.0))).isCloseTo(50.0, within(1e-9));
    assertThat(Composition.harmonic(List.of(190_000.0, 82_000.0, 33_000.0, 145_000.0)))
        .isCloseTo(1 / (1 / 190_000.0 + 1 / 82_000.0 + 1 / 33_000.0 + 1 / 145_000.0), within(1e-6));
  }

  @Test
  void theCompositionIsBelowTheSlowestStage() {
    assertThat(Composition.harmonic(List.of(1000.0, 10.0))).isLessThan(10.0);
  }

  @Test
  void noStageGivesNoCompositionAndAStoppedStageGivesZero() {
    assertThat(Composition.harmonic(List.of())).isNaN();
    assertThat(Composition.harmonic(List.of(100.0, 0.0))).isZero();
  }

  @Test
  void onlyTheStageRowsOfThisRunAreComposedAndTheOthersAreNamed() {
    Map<String, Result> run = Map.of(
        Composition.STAGE_ROWS.get(0), Result.throughput(Composition.STAGE_ROWS.get(0), 2000, "events", 10, 0),
        Composition.STAGE_ROWS.get(2), Result.throughput(Composition.STAGE_ROWS.get(2), 600, "docs", 2, 0),
        "kafka producer (acks=all, idempotent, 1 KB)", Result.throughput("kafka producer", 1, "records", 1, 0));
    Composition.Composed c = Composition.of(row -> Optional.ofNullable(run.get(row)));
    assertThat(c.rate()).isCloseTo(1 / (1 / 200.0 + 1 / 300.0), within(1e-9));
    assertThat(c.rows()).containsExactly(Composition.STAGE_ROWS.get(0), Composition.STAGE_ROWS.get(2));
    assertThat(c.missing()).containsExactly(Composition.STAGE_ROWS.get(1), Composition.STAGE_ROWS.get(3));
  }
}
