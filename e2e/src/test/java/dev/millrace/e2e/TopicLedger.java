package dev.millrace.e2e;

import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the topics hold, by the event id inside each value (never the key), read as a downstream
 * consumer must read them: {@code read_committed}, so records of aborted transactions do not count.
 */
public final class TopicLedger {

  /**
   * One record of an output topic; {@code where} is {@code <topic>-<partition>-<offset>}, {@code reason}
   * empty for an enriched event, {@code transport} how the collector received it (e.g. {@code TRANSPORT_SEGMENT})
   * and {@code requestId} in which request.
   */
  public record Entry(String eventId, String reason, String where, String eventType, String transport,
                      String requestId) {}

  private TopicLedger() {}

  public static List<Entry> enriched(String bootstrap, String topic) {
    return read(bootstrap, topic, value -> {
      EnrichedEvent e = EnrichedEvent.parseFrom(value);
      return new String[] {e.getRaw().getEvent().getEventId(), "", e.getRaw().getEvent().getEventType(),
          e.getRaw().getMetadata().getTransport().name(), e.getRaw().getMetadata().getRequestId()};
    });
  }

  public static List<Entry> deadLetters(String bootstrap, String topic) {
    return read(bootstrap, topic, value -> {
      DeadLetter d = DeadLetter.parseFrom(value);
      return new String[] {d.getEventId(), d.getReason().name(), d.getEventType(), d.getMetadata().getTransport().name(),
          d.getMetadata().getRequestId()};
    });
  }

  /** Entries per event id. */
  public static Map<String, List<Entry>> byId(List<Entry> entries) {
    Map<String, List<Entry>> byId = new HashMap<>();
    entries.forEach(e -> byId.computeIfAbsent(e.eventId(), k -> new ArrayList<>()).add(e));
    return byId;
  }

  private interface Parser {
    String[] parse(byte[] value) throws Exception;
  }

  private static List<Entry> read(String bootstrap, String topic, Parser parser) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    List<Entry> entries = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // With read_committed the end offsets are the last stable offsets: nothing open is waited for.
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end " + end);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          // The realtime loader's document id of a dead letter.
          String where = r.topic() + "-" + r.partition() + "-" + r.offset();
          try {
            String[] fields = parser.parse(r.value());
            entries.add(new Entry(fields[0], fields[1], where, fields[2], fields[3], fields[4]));
          } catch (Exception e) {
            entries.add(new Entry("", "UNREADABLE", where, "", "", ""));
          }
        }
      }
    }
    return entries;
  }
}
