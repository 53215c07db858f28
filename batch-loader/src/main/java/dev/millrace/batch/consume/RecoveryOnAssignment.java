package dev.millrace.batch.consume;

import dev.millrace.batch.marker.MarkerWriter;
import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.store.ObjectStore;
import dev.millrace.batch.store.Recovery;
import java.io.IOException;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads from the store what newly assigned partitions already have there ({@link Recovery}), before
 * any of their records is handled: the partition stays paused until then, and a re-read record the
 * store already has is dropped instead of written again. Also reads back the partition's published
 * watermark, so a new owner does not publish an older one.
 */
final class RecoveryOnAssignment {

  private static final Logger log = LoggerFactory.getLogger(RecoveryOnAssignment.class);

  private final Consumer<String, byte[]> consumer;
  private final Map<TopicPartition, PartitionState> states;
  private final ObjectStore store;
  private final ObjectNames names;
  private final MarkerWriter markers;
  private final StoreHealth health;
  private final TurnBudget turn;

  RecoveryOnAssignment(Consumer<String, byte[]> consumer, Map<TopicPartition, PartitionState> states,
                       ObjectStore store, ObjectNames names, MarkerWriter markers, StoreHealth health,
                       TurnBudget turn) {
    this.consumer = consumer;
    this.states = states;
    this.store = store;
    this.names = names;
    this.markers = markers;
    this.health = health;
    this.turn = turn;
  }

  /**
   * Recovers the partitions not yet recovered, a store call at a time: a recovery the turn's budget
   * cuts off goes on at the next turn (the partition stays paused).
   */
  void recoverAssigned() {
    for (PartitionState st : states.values()) {
      if (st.recovered) {
        continue;
      }
      if (!health.callAllowed()) {
        return;
      }
      try {
        if (st.recovery == null) {
          st.recovery = new Recovery.InProgress(st.partition.topic(), st.partition.partition(),
              consumer.position(st.partition));
        }
        if (!st.watermarkRead) {
          OptionalLong published = markers.published(st.partition.partition());
          if (published.isPresent()) {
            st.maxTimeMillis = Math.max(st.maxTimeMillis, published.getAsLong());
            st.publishedWatermark = published.getAsLong();
          }
          st.watermarkRead = true;
        }
        Recovery.AlreadyStored stored = st.recovery.resume(store, names, turn::over);
        health.succeeded();
        if (stored == null) {
          return; // out of time: the next turn goes on
        }
        long position = st.recovery.committedOffset();
        st.recovery = null;
        st.alreadyStored = stored;
        st.unfinished = stored.unfinished();
        st.receipts.addAll(stored.receipts());
        st.nextOffset = position;
        st.lastCommitted = position;
        st.recovered = true;
        log.info("recovered {} from offset {}: {} files past it already in the store, {} left"
            + " unfinished by the previous owner", st.partition, position, stored.files(),
            stored.unfinished().values().stream().mapToInt(Map::size).sum());
        if (stored.isEmpty()) {
          st.alreadyStored = null;
        }
      } catch (IOException e) {
        health.failed("recovery of " + st.partition, e);
      }
    }
  }
}
