package dev.millrace.replay;

import dev.millrace.proto.v1.DeadLetter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Reads the replays topic and the dead-letter topics (read_committed, assigned partitions, no
 * consumer group: a replay commits no offsets) and writes transactionally: the transactional id is
 * the replay's, so two runs never fence each other and a run's aborted writes are never read.
 */
public final class KafkaReplayStore implements ReplayStore {

  private final Map<String, Object> common;
  private final String replaysTopic;
  private final String transactionalId;
  private KafkaProducer<String, byte[]> producer;

  public KafkaReplayStore(String bootstrapServers, String replaysTopic, String replayId) {
    this.common = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    this.replaysTopic = replaysTopic;
    this.transactionalId = "millrace-replay-" + replayId;
  }

  @Override
  public Set<String> replayedKeys() {
    ensureReplaysTopic();
    Set<String> keys = new HashSet<>();
    readToEnd(List.of(replaysTopic), r -> {
      if (r.key() != null && r.value() != null) { // a tombstone un-records a replay
        keys.add(r.key());
      } else if (r.key() != null) {
        keys.remove(r.key());
      }
    });
    return keys;
  }

  @Override
  public List<Found> scan(List<String> topics) {
    List<Found> found = new ArrayList<>();
    readToEnd(topics, r -> {
      try {
        found.add(new Found(r.topic(), r.partition(), r.offset(), DeadLetter.parseFrom(r.value())));
      } catch (Exception e) {
        // not a DeadLetter: nothing this tool could re-submit; listed as skipped
        found.add(new Found(r.topic(), r.partition(), r.offset(), DeadLetter.getDefaultInstance()));
      }
    });
    return found;
  }

  @Override
  public void commit(List<ProducerRecord<String, byte[]>> records) {
    if (producer == null) {
      Properties p = new Properties();
      p.putAll(common);
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
      producer.initTransactions();
    }
    producer.beginTransaction();
    try {
      for (ProducerRecord<String, byte[]> r : records) {
        producer.send(r);
      }
      producer.commitTransaction();
    } catch (KafkaException e) {
      try {
        producer.abortTransaction();
      } catch (KafkaException fatal) {
        producer.close(Duration.ZERO); // fenced or broken: the next commit starts a new producer
        producer = null;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
    }
  }

  /**
   * Creates the replays topic, compacted, when it does not exist: the latest record per dead letter
   * is all a run needs, kept for as long as the dead letters are.
   */
  private void ensureReplaysTopic() {
    Properties p = new Properties();
    p.putAll(common);
    try (Admin admin = Admin.create(p)) {
      if (admin.listTopics().names().get().contains(replaysTopic)) {
        return;
      }
      admin.createTopics(List.of(new NewTopic(replaysTopic, java.util.Optional.of(1), java.util.Optional.empty())
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new KafkaException("cannot create the replays topic " + replaysTopic + ": " + e.getCause().getMessage(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted", e);
    }
  }

  private interface Sink {
    void accept(ConsumerRecord<String, byte[]> record);
  }

  /** Reads every partition of {@code topics} from the beginning up to its end offset as of now. */
  private void readToEnd(List<String> topics, Sink sink) {
    Properties p = new Properties();
    p.putAll(common);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    try (KafkaConsumer<String, byte[]> consumer =
             new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
          throw new KafkaException("topic " + topic + " does not exist");
        }
        infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // read_committed: the end offset is the last stable offset, so open transactions are not awaited
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, Duration.ofSeconds(30)));
      end.entrySet().removeIf(e -> consumer.position(e.getKey(), Duration.ofSeconds(30)) >= e.getValue());
      while (!end.isEmpty()) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          Long stop = end.get(new TopicPartition(r.topic(), r.partition()));
          if (stop != null && r.offset() < stop) {
            sink.accept(r);
          }
        }
        end.entrySet().removeIf(e -> consumer.position(e.getKey(), Duration.ofSeconds(30)) >= e.getValue());
      }
    }
  }
}
