package dev.millrace.batch.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Several loops report into the same gauges. */
class GaugeShareTest {

  @Test
  void theGaugesSumTheLoopsAndALoopThatEndsTakesItsShareBack() {
    LoaderMetrics metrics = new LoaderMetrics(new SimpleMeterRegistry());
    GaugeShare first = new GaugeShare(metrics);
    GaugeShare second = new GaugeShare(metrics);
    first.report(2, 1, 100, 0);
    second.report(3, 0, 50, 1);
    first.report(1, 1, 80, 0);
    assertThat(metrics.openFiles.get()).isEqualTo(4);
    assertThat(metrics.pendingUploads.get()).isEqualTo(1);
    assertThat(metrics.lag.get()).isEqualTo(130);
    assertThat(metrics.stoppedPartitions.get()).isEqualTo(1);

    second.report(0, 0, 0, 0);
    assertThat(metrics.openFiles.get()).isEqualTo(1);
    assertThat(metrics.lag.get()).isEqualTo(80);
    assertThat(metrics.stoppedPartitions.get()).isZero();
  }
}
