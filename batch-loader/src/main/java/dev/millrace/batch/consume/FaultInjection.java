package dev.millrace.batch.consume;

import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Points where tests make the loader die the way a killed process would. Production uses
 * {@link #NONE}. A hook that throws {@link Crash} stops the loop at once: no flush, no commit, open
 * files abandoned, just as after a SIGKILL (only the Kafka consumer is closed, so the group need not
 * wait for a session timeout; it commits nothing).
 */
public interface FaultInjection {

  FaultInjection NONE = new FaultInjection() {};

  /** After a file's data object is in the store and before any offset commit. */
  default void afterUpload(String dataKey) {}

  /**
   * Before offsets are committed. A killed process has many loader threads and they all die
   * together: a test that kills one loop throws here too, so no sibling commits after the kill.
   */
  default void beforeCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

  /** Thrown by a hook to kill the loop. */
  final class Crash extends Error {
    public Crash(String message) {
      super(message);
    }
  }
}
