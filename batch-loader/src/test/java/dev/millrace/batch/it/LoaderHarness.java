package dev.millrace.batch.it;

import dev.millrace.batch.BatchLoaderApplication;
import dev.millrace.batch.consume.FaultInjection;
import dev.millrace.batch.support.Events;
import dev.millrace.batch.support.ParquetRows;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.S3Server;
import dev.millrace.proto.v1.EnrichedEvent;
import io.minio.DownloadObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.parquet.example.data.Group;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** One IT's world: its topic, bucket and group on the shared servers, and the loader app. */
final class LoaderHarness implements AutoCloseable {

  final KafkaServer kafka;
  final S3Server s3;
  final String name;
  final String topic;
  final String bucket;
  final Path spill;
  private final List<ConfigurableApplicationContext> apps = new ArrayList<>();
  private final KafkaProducer<String, byte[]> producer;
  private final Map<String, String> overrides = new HashMap<>();

  LoaderHarness(KafkaServer kafka, S3Server s3, String name, int partitions, Path tmp) {
    this.kafka = kafka;
    this.s3 = s3;
    this.name = name;
    this.topic = "enriched-" + name;
    this.bucket = "batch-" + name;
    this.spill = tmp.resolve("spill-" + name);
    kafka.createTopics(partitions, topic);
    s3.createBucket(bucket);
    producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 5),
        new StringSerializer(), new ByteArraySerializer());
  }

  LoaderHarness set(String key, String value) {
    overrides.put(key, value);
    return this;
  }

  ConfigurableApplicationContext start(FaultInjection faults) {
    Map<String, String> props = new HashMap<>(Map.ofEntries(
        Map.entry("server.port", "0"),
        Map.entry("logging.level.org.apache.kafka", "WARN"),
        Map.entry("millrace.batch.topic", topic),
        Map.entry("millrace.batch.dead-letter-topic", topic + ".dlq"),
        Map.entry("millrace.batch.kafka.bootstrap.servers", kafka.bootstrapServers()),
        Map.entry("millrace.batch.kafka.group.id", "loader-" + name),
        Map.entry("millrace.batch.kafka.max.poll.records", "1000"),
        Map.entry("millrace.batch.s3.endpoint", s3.endpoint()),
        Map.entry("millrace.batch.s3.access-key", s3.accessKey()),
        Map.entry("millrace.batch.s3.secret-key", s3.secretKey()),
        Map.entry("millrace.batch.s3.region", s3.region()),
        Map.entry("millrace.batch.s3.bucket", bucket),
        Map.entry("millrace.batch.s3.request-timeout", "5s"),
        Map.entry("millrace.batch.spill-dir", spill.toString()),
        Map.entry("millrace.batch.rotation.max-records", "1500"),
        Map.entry("millrace.batch.rotation.interval", "3s"),
        Map.entry("millrace.batch.poll-timeout", "200ms"),
        Map.entry("millrace.batch.retry.max-backoff", "2s"),
        Map.entry("millrace.batch.marker.check-interval", "500ms"),
        Map.entry("millrace.batch.marker.idle-after", "2s"),
        Map.entry("millrace.batch.marker.grace", "1m")));
    props.putAll(overrides);
    List<String> args = new ArrayList<>();
    props.forEach((k, v) -> args.add("--" + k + "=" + v));
    ConfigurableApplicationContext app = BatchLoaderApplication.builder()
        .initializers(ctx -> ctx.getBeanFactory().registerSingleton("faultInjection", faults))
        .run(args.toArray(String[]::new));
    apps.add(app);
    return app;
  }

  /** Sends events; returns their ids. */
  List<String> send(int count, String idPrefix, String[] types, Instant[] receivedAt,
                    Integer partition) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = idPrefix + "-" + i;
      EnrichedEvent e = Events.enriched(id, types[i % types.length], receivedAt[i % receivedAt.length]);
      producer.send(new ProducerRecord<>(topic, partition, id, e.toByteArray()));
      ids.add(id);
    }
    producer.flush();
    return ids;
  }

  /** Sends one record's bytes as they are (not an event) to a partition. */
  void sendRaw(int partition, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(topic, partition, "raw", value)).get();
  }

  MinioClient minio() {
    return MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
        .region(s3.region()).build();
  }

  List<String> keys(String prefix) throws Exception {
    List<String> keys = new ArrayList<>();
    try (MinioClient minio = minio()) {
      for (Result<Item> r : minio.listObjects(ListObjectsArgs.builder().bucket(bucket)
          .prefix(prefix).recursive(true).build())) {
        keys.add(r.get().objectName());
      }
    }
    return keys;
  }

  /** Every row of every Parquet file, read by downloading and parquet-java's example reader. */
  List<Group> rows() throws Exception {
    List<Group> rows = new ArrayList<>();
    Path dir = Files.createTempDirectory("download");
    try (MinioClient minio = minio()) {
      for (String key : keys("events/")) {
        if (!key.endsWith(".parquet")) {
          continue;
        }
        Path file = dir.resolve(Integer.toHexString(key.hashCode()) + "-" + rows.size() + ".parquet");
        minio.downloadObject(DownloadObjectArgs.builder().bucket(bucket).object(key)
            .filename(file.toString()).build());
        rows.addAll(ParquetRows.read(file));
        Files.delete(file);
      }
    }
    return rows;
  }

  List<String> eventIds() throws Exception {
    return rows().stream().map(g -> g.getString("event_id", 0)).toList();
  }

  long parquetFiles() throws Exception {
    return keys("events/").stream().filter(k -> k.endsWith(".parquet")).count();
  }

  Map<TopicPartition, OffsetAndMetadata> committed() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        kafka.bootstrapServers()))) {
      return admin.listConsumerGroupOffsets("loader-" + name).partitionsToOffsetAndMetadata().get();
    }
  }

  static void await(Duration timeout, String what, BooleanSupplierWithException condition)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(250);
    }
  }

  interface BooleanSupplierWithException {
    boolean getAsBoolean() throws Exception;
  }

  @Override
  public void close() {
    for (ConfigurableApplicationContext app : apps) {
      if (app.isActive()) {
        app.close();
      }
    }
    producer.close();
  }
}
