package dev.millrace.localrun.watch;

import dev.millrace.localrun.stack.ServerEndpoints;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Watches the pipeline from outside, as a user would: counts committed records on each topic
 * (a read_committed consumer of its own, so transaction markers are not counted as records),
 * searchable documents in Elasticsearch, and objects in the bucket.
 */
public final class PipelineWatcher implements AutoCloseable {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final ServerEndpoints infra;
  private final Map<String, String> topicsByRole;
  private final String bucket;
  private final String batchPrometheusUrl;
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final MinioClient s3;
  private volatile boolean running = true;

  /**
   * @param topicsByRole "raw", "collector-dl", "enriched", "enricher-dl", "batch-dl" to topic names
   * @param batchPrometheusUrl the batch loader's {@code /actuator/prometheus}, for rows written
   */
  public PipelineWatcher(ServerEndpoints infra, Map<String, String> topicsByRole, String bucket, String batchPrometheusUrl) {
    this.infra = infra;
    this.topicsByRole = Map.copyOf(topicsByRole);
    this.bucket = bucket;
    this.batchPrometheusUrl = batchPrometheusUrl;
    topicsByRole.values().forEach(t -> counts.put(t, new AtomicLong()));
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "millrace-local-run-watcher");
    this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.s3 = MinioClient.builder().endpoint(infra.s3Endpoint())
        .credentials(infra.s3AccessKey(), infra.s3SecretKey()).region(infra.s3Region()).build();
    this.thread = new Thread(this::consume, "millrace-watcher");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void consume() {
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topicsByRole.values()) {
        consumer.partitionsFor(topic, Duration.ofSeconds(30))
            .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<byte[], byte[]> record : records) {
          counts.get(record.topic()).incrementAndGet();
        }
      }
    } catch (WakeupException e) {
      // close() ends the loop.
    } catch (RuntimeException e) {
      if (running) {
        System.err.println("watcher: cannot read the topics: " + e.getMessage());
      }
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  /** Counts now; asks Elasticsearch, S3 and the batch loader, so it takes a few milliseconds. */
  public PipelineCounts counts() {
    long[] batch = batchLoader();
    return new PipelineCounts(count("raw"), count("collector-dl"), count("enriched"), count("enricher-dl"),
        count("batch-dl"), esCount("millrace-events*"), esCount("millrace-dead-letters*"), s3Objects(),
        batch[0], batch[1]);
  }

  private long count(String role) {
    String topic = topicsByRole.get(role);
    return topic == null ? 0 : counts.get(topic).get();
  }

  /** Documents searchable now in the indexes matching {@code pattern}; -1 when ES does not answer. */
  public long esCount(String pattern) {
    try {
      HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(
          URI.create(infra.elasticsearchUrl() + "/" + pattern + "/_count")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) return -1;
      return JSON.readTree(response.body()).get("count").asLong();
    } catch (Exception e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      return -1;
    }
  }

  private long s3Objects() {
    try {
      long n = 0;
      for (Result<Item> item : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
        if (item.get().objectName().endsWith(".parquet")) n++;
      }
      return n;
    } catch (Exception e) {
      return -1;
    }
  }

  /** Rows written and files not yet uploaded, from the batch loader's metrics; -1 when unknown. */
  private long[] batchLoader() {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(batchPrometheusUrl))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) return new long[] {-1, -1};
      double open = Prometheus.sum(response.body(), BATCH_OPEN_FILES_METRIC);
      double pending = Prometheus.sum(response.body(), BATCH_PENDING_UPLOADS_METRIC);
      return new long[] {(long) Prometheus.sum(response.body(), BATCH_ROWS_METRIC),
          open < 0 || pending < 0 ? -1 : (long) (open + pending)};
    } catch (Exception e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      return new long[] {-1, -1};
    }
  }

  /** The batch loader's counter of rows in uploaded Parquet files. */
  static final String BATCH_ROWS_METRIC = "millrace_batch_rows_total";
  /** The batch loader's gauges of files still open and closed files waiting for their upload. */
  static final String BATCH_OPEN_FILES_METRIC = "millrace_batch_open_files";
  static final String BATCH_PENDING_UPLOADS_METRIC = "millrace_batch_pending_uploads";

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      s3.close();
    } catch (Exception ignored) {
      // Nothing to do about a client that fails to close at the end of a run.
    }
  }
}
