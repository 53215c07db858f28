package dev.millrace.bench.pipeline;

import dev.millrace.batch.store.ObjectNames;
import dev.millrace.localrun.stack.ServerEndpoints;
import dev.millrace.proto.WireNames;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import io.minio.messages.Item;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 *       offset (from its {@code millrace.event_id} header); the batch loader writes, before each data
 *       object, a receipt {@code <prefix>/_offsets/<topic>/p<n>/<last>-<first>} holding the data key
 *       (see {@code ObjectNames}). Every {@link #POLL} the receipts are listed from the last one seen
 *       (they sort by offset), and a receipt's offsets count as on S3 from the first poll at which its
 *       data object exists. A probe is on S3 when the first object covering its offset is.</li>
 * </ul>
 * Both are resolved to the poll interval (plus a search's or a listing's time).
 */
public final class ProbeWatch implements AutoCloseable {

  public static final Duration POLL = Duration.ofMillis(250);
  /** The batch loader's table prefix (its {@code millrace.batch.s3.prefix} default). */
  static final String TABLE_PREFIX = "events";

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
  private final ObjectNames names = new ObjectNames(TABLE_PREFIX);
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;
  private volatile int partitions;

  public ProbeWatch(ServerEndpoints infra, String bucket) {
    this.esUrl = infra.elasticsearchUrl();
    this.bucket = bucket;
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
    start("millrace-bench-probes-s3", () -> every(new ReceiptPoller()::poll));
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

  /** Lists new receipts, then checks which of their data objects exist. */
  private final class ReceiptPoller {
    private final Map<Integer, String> lastReceipt = new HashMap<>();
    private final Map<String, long[]> waitingData = new HashMap<>(); // data key -> {partition, first, last}

    void poll() throws Exception {
      for (int p = 0; p < partitions; p++) {
        String dir = names.receiptDirectory(WireNames.ENRICHED_TOPIC, p);
        ListObjectsArgs.Builder list = ListObjectsArgs.builder().bucket(bucket).prefix(dir).recursive(true);
        if (lastReceipt.containsKey(p)) list.startAfter(lastReceipt.get(p));
        for (io.minio.Result<Item> item : s3.listObjects(list.build())) {
          String key = item.get().objectName();
          long[] range = ObjectNames.parseReceipt(key);
          if (range == null) continue;
          String dataKey;
          try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            dataKey = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
          }
          waitingData.put(dataKey, new long[] {p, range[0], range[1]});
          lastReceipt.put(p, key);
        }
      }
      for (var it = waitingData.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        try {
          s3.statObject(StatObjectArgs.builder().bucket(bucket).object(e.getKey()).build());
        } catch (io.minio.errors.ErrorResponseException notYet) {
          continue;
        }
        long[] r = e.getValue();
        onS3.computeIfAbsent((int) r[0], k -> new CopyOnWriteArrayList<>()).add(new Range(r[1], r[2], Instant.now()));
        it.remove();
      }
    }
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
      t.interrupt();
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
