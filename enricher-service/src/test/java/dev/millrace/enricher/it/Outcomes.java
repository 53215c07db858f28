package dev.millrace.enricher.it;

import com.google.protobuf.ByteString;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads both output topics from the beginning with read_committed, as every downstream consumer
 * must, and counts each event id's outcomes (a duplicate shows up as a count of 2). An enriched
 * record is identified by its event's id, a dead letter by its event id or, when it has none (an
 * undecodable record), by its original bytes; the record keys are kept for the key checks.
 */
final class Outcomes implements AutoCloseable {

  /** Event id → how many times it was written, per topic. */
  final Map<String, AtomicInteger> enriched = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> deadLettered = new ConcurrentHashMap<>();
  final Map<String, DeadLetter> deadLetters = new ConcurrentHashMap<>();
  final Map<String, EnrichedEvent> enrichedEvents = new ConcurrentHashMap<>();
  /** Event id → the key of its output record. */
  final Map<String, String> enrichedKeys = new ConcurrentHashMap<>();
  final Map<String, String> deadLetterKeys = new ConcurrentHashMap<>();
  private final Map<ByteString, String> idsByValue;
  private final AtomicInteger total = new AtomicInteger();

  private final KafkaConsumer<String, byte[]> consumer;
  private final String enrichedTopic;
  private final Thread thread;
  private volatile boolean running = true;

  Outcomes(String bootstrap, String enrichedTopic, String deadLetterTopic, int partitions,
           Map<ByteString, String> idsByValue) {
    this.idsByValue = idsByValue;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    this.enrichedTopic = enrichedTopic;
    List<TopicPartition> tps = new java.util.ArrayList<>();
    for (int i = 0; i < partitions; i++) {
      tps.add(new TopicPartition(enrichedTopic, i));
      tps.add(new TopicPartition(deadLetterTopic, i));
    }
    consumer.assign(tps);
    consumer.seekToBeginning(tps);
    thread = new Thread(this::run, "outcomes");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          try {
            if (r.topic().equals(enrichedTopic)) {
              EnrichedEvent e = EnrichedEvent.parseFrom(r.value());
              String id = e.getRaw().getEvent().getEventId();
              enriched.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
              enrichedEvents.put(id, e);
              enrichedKeys.put(id, String.valueOf(r.key()));
            } else {
              DeadLetter dl = DeadLetter.parseFrom(r.value());
              String id = !dl.getEventId().isEmpty() ? dl.getEventId()
                  : idsByValue.getOrDefault(dl.getOriginal(), "unknown original at " + r.key());
              deadLettered.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
              deadLetters.put(id, dl);
              deadLetterKeys.put(id, String.valueOf(r.key()));
            }
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("an output record is not protobuf", e);
          }
          total.incrementAndGet();
        }
      }
    } finally {
      consumer.close();
    }
  }

  int total() {
    return total.get();
  }

  int enrichedCount() {
    return enriched.size();
  }

  /** Waits until {@code expected} records arrived, then a little longer to catch any duplicate. */
  void awaitTotal(int expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (total() < expected && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    Thread.sleep(3000);
  }

  Map<String, Integer> duplicates() {
    Map<String, Integer> d = new HashMap<>();
    enriched.forEach((k, v) -> {
      if (v.get() > 1) {
        d.put(k, v.get());
      }
    });
    deadLettered.forEach((k, v) -> {
      if (v.get() > 1 || enriched.containsKey(k)) {
        d.merge(k, v.get(), Integer::sum);
      }
    });
    return d;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5000);
  }
}
