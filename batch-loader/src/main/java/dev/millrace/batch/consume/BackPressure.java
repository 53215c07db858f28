package dev.millrace.batch.consume;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Which partitions the loop reads and which it pauses. A paused partition still lets the loop poll,
 * so it stays in the consumer group while it waits.
 *
 * @param pause partitions not to read for now
 * @param resume partitions to read
 */
record BackPressure(Set<TopicPartition> pause, Set<TopicPartition> resume) {

  /**
   * Pauses a partition not yet recovered (nothing is read before the store has said what it has),
   * one stopped on a refused dead letter, or one whose dead letter waits to be sent again; and
   * every partition while the store fails or more closed files wait for upload than
   * {@code maxPendingUploads}: closed files would only pile up on disk.
   */
  static BackPressure decide(Collection<PartitionState> states, boolean storeDown,
                             int pendingUploads, int maxPendingUploads) {
    Set<TopicPartition> pause = new HashSet<>();
    Set<TopicPartition> resume = new HashSet<>();
    for (PartitionState st : states) {
      if (!st.recovered || storeDown || pendingUploads > maxPendingUploads || st.stopped != null
          || st.deadLetterWaiting()) {
        pause.add(st.partition);
      } else {
        resume.add(st.partition);
      }
    }
    return new BackPressure(pause, resume);
  }

  void applyTo(Consumer<?, ?> consumer) {
    consumer.pause(pause);
    consumer.resume(resume);
  }
}
