package dev.millrace.bench.pipeline;

import dev.millrace.batch.store.ObjectNames;
import dev.millrace.localrun.stack.ServerEndpoints;
import dev.millrace.proto.WireNames;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * When probe events reach each end of the running pipeline, seen from outside as a user would:
 *
 * <ul>
 *   <li><b>searchable</b>: every {@link #POLL} an {@code ids} query on {@code millrace-events*} for the
 *       probes not yet seen (the document id is the event id), as the pipeline row's watch does, but
 *       only for the probes, so its cost does not grow with the index;</li>
 *   <li><b>on S3</b>: a read_committed consumer of the enriched topic notes each event's partition and
 *       offset (from its {@code millrace.event_id} header). The batch loader logs one line per data
 *       object once its PUT has returned ({@code uploaded <key> (...)}), and the key names the
 *       object's partition and offset range ({@code <topic>-p<n>-o<first>-<last>.parquet}, see
 *       {@code ObjectNames}). Every {@link #POLL} the loader's log is read from where the last poll
 *       stopped; each new key is confirmed with a HEAD request on S3 (an S3 client sees it), and its
 *       offsets count as on S3 from then. A probe is on S3 when the first object covering its offset is.
 *       Listing the bucket instead would cost more per poll as the table grows (thousands of objects
 *       after a few minutes), and the loader's receipts ({@code _offsets/...}) are deleted as soon as
 *       the offsets are committed, often before a poll sees them.</li>
 * </ul>
 * Both are resolved to the poll interval (plus a search's or a listing's time).
 */
public final class ProbeWatch implements AutoCloseable {

  public static final Duration POLL = Duration.ofMillis(250);
  /** The batch loader's log line for a data object on S3 (its {@code Uploader}). */
  static final Pattern UPLOADED = Pattern.compile("uploaded (\\S+\\.parquet) \\(");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** A probe: when it was sent, and when first seen at each end (null until then). */
  public static final class Probe {
    final Instant sent;
    volatile Instant searchable;
    volatile Instant onS3;

    Probe(Instant sent) {
      this.sent = sent;
    }

    /** Event-to-searchable in ms, or -1 when not seen. */
    public long searchableMillis() {
      Instant s = searchable;
      return s == null ? -1 : Math.max(0, Duration.between(sent, s).toMillis());
    }

    /** Event-to-S3 in ms, or -1 when not seen. */
    public long onS3Millis() {
      Instant s = onS3;
      return s == null ? -1 : Math.max(0, Duration.between(sent, s).toMillis());
    }
  }

  private record Range(long first, long last, Instant seen) {}

  private final String esUrl;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, Probe> probes = new ConcurrentHashMap<>();
  /** Event id to "partition:offset" on the enriched topic, for every event read (probes may be noted after). */
  private final Map<String, long[]> enrichedAt = new ConcurrentHashMap<>();
  private final Map<Integer, List<Range>> onS3 = new ConcurrentHashMap<>();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final MinioClient s3;
  private final String bucket;
  private final Path batchLoaderLog;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;
  private volatile int partitions;

  /** @param batchLoaderLog the batch loader's log file (the launcher's {@code <home>/logs/batch-loader.log}) */
  public ProbeWatch(ServerEndpoints infra, String bucket, Path batchLoaderLog) throws IOException {
    this.esUrl = infra.elasticsearchUrl();
    this.bucket = bucket;
    this.batchLoaderLog = batchLoaderLog;
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "millrace-bench-probes");
    this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> tps = consumer.partitionsFor(WireNames.ENRICHED_TOPIC, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    partitions = tps.size();
    consumer.assign(tps);
    consumer.seekToEnd(tps);
    tps.forEach(tp -> consumer.position(tp)); // positioned now, before any probe is sent
    this.s3 = MinioClient.builder().endpoint(infra.s3Endpoint())
        .credentials(infra.s3AccessKey(), infra.s3SecretKey()).region(infra.s3Region()).build();
    start("millrace-bench-probes-kafka", this::consume);
    start("millrace-bench-probes-es", () -> every(this::pollSearchable));
    UploadTail tail = new UploadTail(Files.size(batchLoaderLog));
    start("millrace-bench-probes-s3", () -> every(tail::poll));
  }

  private void start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    threads.add(t);
  }

  @FunctionalInterface
  private interface Poll {
    void run() throws Exception;
  }

  private void every(Poll poll) {
    while (running) {
      try {
        poll.run();
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // No index or object yet, or a slow answer: try again at the next poll.
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Notes a probe: an event id the collector accepted, and when its request was sent. */
  public void probe(String eventId, Instant sentAt) {
    probes.putIfAbsent(eventId, new Probe(sentAt));
  }

  public Probe get(String eventId) {
    return probes.get(eventId);
  }

  /** True when every probe of {@code ids} is seen at both ends. */
  public boolean allSeen(List<String> ids) {
    resolveOnS3();
    return ids.stream().map(probes::get).allMatch(p -> p.searchable != null && p.onS3 != null);
  }

  private void consume() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Header id = r.headers().lastHeader(WireNames.HEADER_EVENT_ID);
          if (id != null) {
            enrichedAt.putIfAbsent(new String(id.value(), StandardCharsets.UTF_8),
                new long[] {r.partition(), r.offset()});
          }
        }
      }
    } catch (WakeupException e) {
      // close()
    } catch (RuntimeException e) {
      if (running) System.err.println("probe watch: cannot read the enriched topic: " + e.getMessage());
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void pollSearchable() throws Exception {
    List<String> waiting = new ArrayList<>();
    probes.forEach((id, p) -> {
      if (p.searchable == null) waiting.add(id);
    });
    for (int i = 0; i < waiting.size(); i += 1000) {
      List<String> chunk = waiting.subList(i, Math.min(waiting.size(), i + 1000));
      var body = JSON.createObjectNode();
      body.put("size", chunk.size());
      body.put("_source", false);
      var values = body.putObject("query").putObject("ids").putArray("values");
      chunk.forEach(values::add);
      HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(esUrl
              + "/millrace-events*/_search?allow_no_indices=true&ignore_unavailable=true"))
          .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) continue;
      Instant now = Instant.now();
      for (JsonNode hit : JSON.readTree(response.body()).get("hits").get("hits")) {
        Probe p = probes.get(hit.get("_id").asString());
        if (p != null && p.searchable == null) p.searchable = now;
      }
    }
  }

  /** Reads the loader's log from where it stopped, and confirms each uploaded object on S3. */
  private final class UploadTail {
    private long position;
    private final StringBuilder partial = new StringBuilder();

    UploadTail(long position) {
      this.position = position;
    }

    void poll() throws Exception {
      byte[] bytes;
      try (RandomAccessFile file = new RandomAccessFile(batchLoaderLog.toFile(), "r")) {
        long length = file.length();
        if (length <= position) return;
        bytes = new byte[(int) Math.min(length - position, 16 << 20)];
        file.seek(position);
        file.readFully(bytes);
        position += bytes.length;
      }
      partial.append(new String(bytes, StandardCharsets.UTF_8));
      int end = partial.lastIndexOf("\n");
      if (end < 0) return;
      String lines = partial.substring(0, end);
      partial.delete(0, end + 1);
      for (String key : uploadedKeys(lines)) {
        ObjectNames.DataFile file = ObjectNames.parseDataFile(key);
        if (file == null || !file.topic().equals(WireNames.ENRICHED_TOPIC)) continue;
        s3.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
        onS3.computeIfAbsent(file.partition(), k -> new CopyOnWriteArrayList<>())
            .add(new Range(file.firstOffset(), file.lastOffset(), Instant.now()));
      }
    }
  }

  /** The data keys of the loader's "uploaded" lines in {@code text}. */
  static List<String> uploadedKeys(String text) {
    List<String> keys = new ArrayList<>();
    Matcher m = UPLOADED.matcher(text);
    while (m.find()) keys.add(m.group(1));
    return keys;
  }

  /** Sets onS3 of each probe whose enriched offset a data object on S3 now covers. */
  private void resolveOnS3() {
    probes.forEach((id, p) -> {
      if (p.onS3 != null) return;
      long[] at = enrichedAt.get(id);
      if (at == null) return;
      Instant first = null;
      for (Range r : onS3.getOrDefault((int) at[0], List.of())) {
        if (r.first() <= at[1] && at[1] <= r.last() && (first == null || r.seen().isBefore(first))) first = r.seen();
      }
      p.onS3 = first;
    });
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    for (Thread t : threads) {
      if (!t.getName().endsWith("-kafka")) t.interrupt(); // an interrupted KafkaConsumer fails to close
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      s3.close();
    } catch (Exception ignored) {
      // end of the run
    }
  }
}
