package dev.millrace.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class LagSamplerTest {

  private static final TopicPartition P0 = new TopicPartition("t", 0);
  private static final TopicPartition P1 = new TopicPartition("t", 1);

  @Test
  void lagIsWhatTheGroupHasNotCommittedSummedOverPartitions() {
    assertThat(LagSampler.lag(Map.of(P0, new OffsetAndMetadata(90), P1, new OffsetAndMetadata(50)),
        Map.of(P0, 100L, P1, 50L))).isEqualTo(10);
  }

  @Test
  void aPartitionTheGroupNeverCommittedCountsFromTheStart() {
    assertThat(LagSampler.lag(Map.of(), Map.of(P0, 7L))).isEqualTo(7);
  }

  @Test
  void aStepsLagIsTheMeanAndMaxOfItsSamples() {
    LagSampler.Lag lag = LagSampler.Lag.of(List.of(0L, 10L, 20L));
    assertThat(lag.mean()).isEqualTo(10.0);
    assertThat(lag.max()).isEqualTo(20);
    assertThat(LagSampler.Lag.of(List.of()).max()).isEqualTo(-1);
  }
}
