package dev.millrace.collector.it;

import dev.millrace.collector.CollectorApplication;
import dev.millrace.collector.auth.WriteKeys;
import dev.millrace.localstack.KafkaServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Starts a real collector on a real broker, and reads what it wrote. */
final class ItSupport {

  static final String WRITE_KEY = "it-key-" + UUID.randomUUID();
  static final String WRITE_KEY_ID = "it-producer";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ItSupport() {}

  /** A collector on its own topics (created with 3 partitions), ports 0. */
  static CollectorApplication.Running collector(KafkaServer kafka, String topicPrefix, Map<String, Object> extra) {
    kafka.createTopics(3, topicPrefix + ".raw", topicPrefix + ".dead");
    Map<String, Object> p = new HashMap<>();
    p.put("server.port", "0");
    p.put("millrace.collector.grpc.port", "0");
    p.put("millrace.collector.instance-id", "it-collector");
    p.put("millrace.collector.write-keys." + WRITE_KEY_ID, WriteKeys.hash(WRITE_KEY));
    p.put("millrace.collector.topics.raw", topicPrefix + ".raw");
    p.put("millrace.collector.topics.dead-letter", topicPrefix + ".dead");
    p.put("millrace.collector.kafka.bootstrap.servers", kafka.bootstrapServers());
    p.put("millrace.collector.kafka-probe-interval", "500ms");
    // local-stack's broker classpath lacks the lz4/zstd/snappy codecs (kafka-clients declares them
    // with runtime scope, and its build-classpath takes compile scope only), so a broker there
    // answers lz4 batches with UnknownServerException. gzip is in the JDK.
    p.put("millrace.collector.kafka.compression.type", "gzip");
    p.putAll(extra);
    return CollectorApplication.start(p);
  }

  static HttpResponse<String> post(CollectorApplication.Running c, byte[] body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.httpPort() + "/v1/events"))
        .timeout(Duration.ofSeconds(40))
        .header("Content-Type", "application/json")
        .header("X-Millrace-Write-Key", WRITE_KEY)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static int readiness(CollectorApplication.Running c) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.httpPort()
        + "/actuator/health/readiness")).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  static String event(String id, Instant occurredAt, String payload) {
    return "{\"event_id\":\"" + id + "\",\"event_type\":\"page_view\",\"schema_version\":\"1-0-0\","
        + "\"occurred_at\":\"" + occurredAt + "\",\"source\":\"it\","
        + "\"context\":{\"user_id\":\"u-" + id.substring(0, 4) + "\"},\"payload\":" + payload + "}";
  }

  static String event(String id) {
    return event(id, Instant.now().minusSeconds(5), "{\"n\":1}");
  }

  /**
   * Reads the topic from the beginning until {@code done} holds for what was read matching
   * {@code keep}, or the timeout passes; returns the kept records.
   */
  static List<ConsumerRecord<String, byte[]>> read(KafkaServer kafka, String topic,
      Predicate<ConsumerRecord<String, byte[]>> keep, Predicate<List<ConsumerRecord<String, byte[]>>> done,
      Duration timeout) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, byte[]>> kept = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Instant deadline = Instant.now().plus(timeout);
      while (!done.test(kept) && Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (keep.test(r)) {
            kept.add(r);
          }
        }
      }
    }
    return kept;
  }
}
