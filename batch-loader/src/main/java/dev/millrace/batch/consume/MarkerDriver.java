package dev.millrace.batch.consume;

import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.marker.MarkerWriter;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the completeness markers from the loop, every {@code marker.check-interval}: publishes the
 * safe watermark of each recovered partition that moved, then has the {@link MarkerWriter} mark the
 * hours the global watermark says are complete. It waits while the store fails, and never spends
 * more than the turn's budget; a failed check leaves markers for the next one, loading goes on.
 */
final class MarkerDriver {

  private static final Logger log = LoggerFactory.getLogger(MarkerDriver.class);

  private final BatchProperties props;
  private final Consumer<String, byte[]> consumer;
  private final MarkerWriter markers;
  private final Map<TopicPartition, PartitionState> states;
  private final StoreHealth health;
  private final TurnBudget turn;
  private final LoaderMetrics metrics;
  private final long idleAfterMillis;
  private long nextCheckMillis;

  MarkerDriver(BatchProperties props, Consumer<String, byte[]> consumer, MarkerWriter markers,
               Map<TopicPartition, PartitionState> states, StoreHealth health, TurnBudget turn,
               LoaderMetrics metrics) {
    this.props = props;
    this.consumer = consumer;
    this.markers = markers;
    this.states = states;
    this.health = health;
    this.turn = turn;
    this.metrics = metrics;
    this.idleAfterMillis = props.marker().idleAfter().toMillis();
  }

  void maybeWriteMarkers(long now) {
    if (now < nextCheckMillis || health.failing() || turn.over()) {
      return;
    }
    nextCheckMillis = now + props.marker().checkInterval().toMillis();
    try {
      Map<Integer, Long> mine = new HashMap<>();
      long earliest = Long.MAX_VALUE;
      for (PartitionState st : states.values()) {
        if (!st.recovered) {
          continue;
        }
        long safe = st.safeWatermark(now, idleAfterMillis);
        earliest = Math.min(earliest, st.earliestTimeMillis);
        if (safe == Long.MIN_VALUE || safe <= st.publishedWatermark) {
          continue;
        }
        if (turn.over()) {
          return;
        }
        markers.publish(st.partition.partition(), safe);
        st.publishedWatermark = safe;
        mine.put(st.partition.partition(), safe);
      }
      if (props.marker().mode() == BatchProperties.MarkerMode.NONE) {
        return;
      }
      int partitions = consumer.partitionsFor(props.topic()).size();
      OptionalLong global = markers.globalWatermark(partitions, mine, turn::over);
      if (global.isEmpty()) {
        return;
      }
      metrics.watermarkMillis.set(global.getAsLong());
      List<Long> marked = markers.markCompleteHours(global.getAsLong(),
          earliest == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(earliest),
          turn::over);
      metrics.markers.increment(marked.size());
    } catch (IOException | KafkaException | NumberFormatException e) {
      // NumberFormatException: a watermark object whose content is not a number. Markers wait;
      // loading goes on.
      log.warn("marker check failed, next in {}: {}", props.marker().checkInterval(), e.getMessage());
    }
  }
}
