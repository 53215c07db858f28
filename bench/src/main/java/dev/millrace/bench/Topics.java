package dev.millrace.bench;

import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;

/** Helpers for the topics a benchmark creates a moment before it writes to them. */
public final class Topics {

  private Topics() {}

  /**
   * Waits until {@code producer} sees a leader for each of the topic's {@code partitions}, then a
   * second more. Sending into a topic created a moment ago has shown NOT_LEADER and then endless
   * OUT_OF_ORDER_SEQUENCE_NUMBER retries on the single-node broker, until the delivery timeout.
   */
  public static void awaitLeaders(Producer<?, ?> producer, String topic, int partitions) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      var infos = producer.partitionsFor(topic);
      if (infos.size() == partitions && infos.stream().allMatch(pi -> pi.leader() != null)) {
        break;
      }
      sleep(100);
    }
    sleep(1000);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
