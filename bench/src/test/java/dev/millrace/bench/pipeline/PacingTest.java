package dev.millrace.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacingTest {

  @Test
  void batchesAreSizedForAboutTwentyRequestsASecondBetweenOneAndAHundredEvents() {
    assertThat(Pacing.batchSize(1000)).isEqualTo(50);
    assertThat(Pacing.batchSize(5)).isEqualTo(1);
    assertThat(Pacing.batchSize(50_000)).isEqualTo(100);
  }

  @Test
  void probesComeAtAboutTenASecondAtAnyRate() {
    // 5,000 events/s in batches of 100: 50 requests/s, a probe on every 5th.
    assertThat(Pacing.probeEvery(5000, 100)).isEqualTo(5);
    // 100 events/s in batches of 5: 20 requests/s, every 2nd.
    assertThat(Pacing.probeEvery(100, 5)).isEqualTo(2);
    // Fewer requests than probes wanted: every request.
    assertThat(Pacing.probeEvery(10, 5)).isEqualTo(1);
  }

  @Test
  void stepsStartIdleThenFollowTheFractionsOfTheMaximumScaledInTime() {
    List<Pacing.Step> steps = Pacing.steps(2000, List.of(0.1, 0.5, 1.0), 25, 0.4);
    assertThat(steps).extracting(Pacing.Step::label).containsExactly("idle", "10%", "50%", "100%");
    assertThat(steps).extracting(Pacing.Step::rate).containsExactly(10.0, 200.0, 1000.0, 2000.0);
    assertThat(steps).allSatisfy(s -> assertThat(s.duration()).isEqualTo(Duration.ofSeconds(10)));
    assertThat(steps.get(0).batchSize()).isEqualTo(1);
    assertThat(steps.get(0).probeEvery()).isEqualTo(1); // idle: every event is a probe
    assertThat(steps.get(3).batchSize()).isEqualTo(100);
  }

  @Test
  void aTinyScaleStillGivesStepsLongEnoughForAFewProbes() {
    assertThat(Pacing.steps(100, List.of(0.5), 25, 0.01).get(1).duration()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void withoutAMeasuredMaximumThereIsNoCurve() {
    assertThatThrownBy(() -> Pacing.steps(Double.NaN, List.of(0.5), 25, 1))
        .hasMessageContaining("maximum rate must be positive");
  }
}
