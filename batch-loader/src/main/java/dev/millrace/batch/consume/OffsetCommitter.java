package dev.millrace.batch.consume;

import dev.millrace.batch.store.ObjectStore;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits offsets: the step that makes the loader write every record exactly once (the module's
 * README, section "Exactly once, with several open files per partition"). The order is what the
 * argument rests on:
 *
 * <ol>
 *   <li>the {@link Uploader} puts a file's receipt, then its data, in the store; only then does the
 *       file leave its partition's pending files;
 *   <li>then, and only then, this class commits the partition, up to the smallest first offset of
 *       its files still open or pending and of its dead letters not yet acknowledged
 *       ({@link CommittableOffset}); nothing is committed past a record that is not safe;
 *   <li>once the commit has passed a receipt, the receipt is deleted (it is never needed again).
 * </ol>
 *
 * <p>A crash between 1 and 2 leaves records in the store that are not committed: they are read
 * again, and recovery drops them because an uploaded file of their destination covers them. A
 * commit that fails (a rebalance, broker trouble) is the same case. A partition not yet recovered
 * is never committed: its position is not known to be past what the store holds.
 */
final class OffsetCommitter {

  private static final Logger log = LoggerFactory.getLogger(OffsetCommitter.class);

  private final Consumer<String, byte[]> consumer;
  private final Map<TopicPartition, PartitionState> states;
  private final ObjectStore store;
  private final StoreHealth health;
  private final FaultInjection faults;

  OffsetCommitter(Consumer<String, byte[]> consumer, Map<TopicPartition, PartitionState> states,
                  ObjectStore store, StoreHealth health, FaultInjection faults) {
    this.consumer = consumer;
    this.states = states;
    this.store = store;
    this.health = health;
    this.faults = faults;
  }

  /**
   * Commits each partition up to its first record not yet safe: not yet in the store, or a dead
   * letter not yet acknowledged (that holds only its own partition).
   */
  void commit() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionState st : states.values()) {
      if (!st.recovered) {
        continue;
      }
      long committable = st.committable();
      if (committable > st.lastCommitted) {
        offsets.put(st.partition, new OffsetAndMetadata(committable));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    faults.beforeCommit(offsets);
    try {
      consumer.commitSync(offsets);
    } catch (KafkaException e) {
      // A rebalance or broker trouble: the records will be re-read and the store's receipts
      // make the re-read drop what is already written.
      log.warn("commit of {} failed: {}", offsets, e.getMessage());
      return;
    }
    offsets.forEach((tp, om) -> {
      PartitionState st = states.get(tp);
      st.lastCommitted = om.offset();
      deleteCommittedReceipts(st);
    });
  }

  /** Receipts below the committed offset are never needed again. */
  private void deleteCommittedReceipts(PartitionState st) {
    for (Iterator<Map.Entry<Long, String>> it = st.receipts.iterator(); it.hasNext(); ) {
      Map.Entry<Long, String> receipt = it.next();
      if (receipt.getKey() < st.lastCommitted) {
        if (!health.callAllowed()) {
          return; // the next commit, or the next recovery, removes it
        }
        try {
          store.delete(receipt.getValue());
          it.remove();
        } catch (IOException e) {
          return; // the next recovery removes it
        }
      }
    }
  }
}
