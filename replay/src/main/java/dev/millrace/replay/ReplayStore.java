package dev.millrace.replay;

import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The Kafka edge of a replay run (faked in unit tests; {@link KafkaReplayStore} in use). */
public interface ReplayStore extends AutoCloseable {

  /** The keys of every dead letter the replays topic records as replayed. */
  Set<String> replayedKeys();

  /** Every dead letter on {@code topics} up to their end offsets as of this call (read_committed). */
  List<Found> scan(List<String> topics);

  /**
   * Writes {@code records} in one Kafka transaction: all of them are visible to read_committed
   * consumers, or none.
   *
   * @throws org.apache.kafka.common.KafkaException when the transaction did not commit (it was aborted)
   */
  void commit(List<ProducerRecord<String, byte[]>> records);

  @Override
  void close();
}
