package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(LocalStackExtension.class)
class KafkaServerIT {

  @Test
  void readCommittedConsumerSeesCommittedTransactionsOnlyOnASingleBroker(KafkaServer kafka) {
    String topic = "txn-" + UUID.randomUUID();
    kafka.createTopics(3, topic);

    try (KafkaProducer<String, String> producer = transactionalProducer(kafka)) {
      // InitProducerId only completes when the transaction log can be created on one broker.
      producer.initTransactions();
      producer.beginTransaction();
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, "committed-" + i));
      }
      producer.commitTransaction();
      producer.beginTransaction();
      for (int i = 0; i < 5; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, "aborted-" + i));
      }
      producer.flush();
      producer.abortTransaction();
    }

    List<String> values = readAll(kafka, topic, 10);
    assertThat(values).hasSize(10).allMatch(v -> v.startsWith("committed-"));
  }

  @Test
  void stoppedOrKilledBrokerComesBackOnTheSameAddressWithItsData(KafkaServer kafka) {
    String topic = "restart-" + UUID.randomUUID();
    String address = kafka.bootstrapServers();
    kafka.createTopics(1, topic);
    produce(kafka, topic, "before-stop");

    kafka.stop();
    assertThat(kafka.isRunning()).isFalse();
    kafka.start();
    produce(kafka, topic, "after-stop");

    kafka.kill();
    assertThat(kafka.isRunning()).isFalse();
    kafka.start();

    assertThat(kafka.bootstrapServers()).isEqualTo(address);
    assertThat(readAll(kafka, topic, 2)).containsExactly("before-stop", "after-stop");
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "lz4", "zstd", "snappy"})
  void brokerTakesEveryCompressionCodecProducersUse(String codec, KafkaServer kafka) throws Exception {
    String topic = "codec-" + codec + "-" + UUID.randomUUID();
    kafka.createTopics(1, topic);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.COMPRESSION_TYPE_CONFIG, codec), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "x".repeat(4096))).get();
    }
    assertThat(readAll(kafka, topic, 1)).containsExactly("x".repeat(4096));
  }

  private static KafkaProducer<String, String> transactionalProducer(KafkaServer kafka) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-" + UUID.randomUUID(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000),
        new StringSerializer(), new StringSerializer());
  }

  private static void produce(KafkaServer kafka, String topic, String value) {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, value)).get();
    } catch (Exception e) {
      throw new AssertionError("produce to " + topic + " failed", e);
    }
  }

  /** Reads until {@code expected} records arrived or 30 s passed; returns what was read. */
  private static List<String> readAll(KafkaServer kafka, String topic, int expected) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          values.add(record.value());
        }
      }
      // One more poll: anything beyond the expected count (e.g. aborted records) would show here.
      consumer.poll(Duration.ofSeconds(1)).forEach(r -> values.add(r.value()));
    }
    return values;
  }
}
