package dev.millrace.bench.enricher;

import com.google.protobuf.Timestamp;
import dev.millrace.bench.BenchContext;
import dev.millrace.bench.Benchmark;
import dev.millrace.bench.Result;
import dev.millrace.bench.Topics;
import dev.millrace.enricher.config.EnricherConfiguration;
import dev.millrace.enricher.config.EnricherProperties;
import dev.millrace.enricher.config.StreamsSettings;
import dev.millrace.enricher.enrich.Enricher;
import dev.millrace.enricher.enrich.EnrichmentChannels;
import dev.millrace.enricher.enrich.RetryClock;
import dev.millrace.enricher.schema.PayloadValidator;
import dev.millrace.enricher.schema.SchemaStore;
import dev.millrace.enricher.topology.EnricherMetrics;
import dev.millrace.enricher.topology.EnricherTopology;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.grpc.EnrichmentServer;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStack;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.Transport;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.DoubleSummaryStatistics;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.FileSystemUtils;

/**
 * Enricher throughput end to end — raw records already on the raw topic, enriched records
 * committed on the enriched topic, the real enrichment API in this JVM over loopback TCP — next to
 * an identity Kafka Streams topology with the same exactly-once settings, in the same run on the
 * same broker. Two more rows take the enricher apart: its topology with each batch answered in this
 * JVM (no call), and with the call going to an {@link EchoServer} (no enrichment work). All are timed
 * alike: steady-state output rate, from the first output record to the last, then a check that
 * exactly every record was committed.
 */
public final class EnricherBenchmark implements Benchmark {

  public static final String IDENTITY_ROW = "kafka streams identity (exactly_once_v2)";
  public static final String ENRICHER_ROW = "enricher end to end (eos, real enrichment API)";
  /** The enricher with each batch answered in this JVM, no call: decode, validation, store, outputs. */
  public static final String IN_PROCESS_ROW = "  part: enricher, no API call (answered in-process)";
  /** The enricher calling, over loopback gRPC, an API that echoes its input with no enrichment work. */
  public static final String ECHO_ROW = "  part: enricher + gRPC to an echoing API";
  private static final int PARTITIONS = 3;
  private static final Duration COMMIT_INTERVAL = Duration.ofMillis(500);
  private static final int PASSES = 3;

  @Override
  public int order() {
    return 300;
  }

  @Override
  public String name() {
    return "enricher";
  }

  @Override
  public List<Result> run(BenchContext context) throws Exception {
    // Long enough that a pass lasts seconds on both rows: with 150,000 records the identity pass
    // lasted about a second and the same code read 0.28x, 0.46x and 0.58x in three runs.
    int n = context.scaled(600_000);
    // Warm-up passes until the JIT is quiet. Without them the compiler threads took 4 of the 7 CPU
    // seconds in the enricher's window (this JVM also runs the API and Kafka's clients: some 16,000
    // methods get compiled); after one pass of n/5 they still took half a core.
    int warmUp = Math.max(5_000, n / 3);
    KafkaServer kafka = LocalStack.kafka();
    EnrichmentConfig apiConfig = EnrichmentConfig.builder()
        .piiKey("bench-only-pii-key-0123456789abcdef0123456789", "$.email").build();
    try (EnrichmentServer api = EnrichmentServer.start(
             NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), apiConfig);
         EchoServer echo = EchoServer.start()) {
      // Four rows, each the median of alternating passes. The two "part" rows split the enricher's
      // cost: the first answers each batch in this JVM (what Kafka Streams, decoding, validation, the
      // pending store and the outputs cost), the second adds the gRPC round trip to a server that
      // answers each item with its own input (what the call costs without any enrichment work).
      List<Row> rows = List.of(
          new Row(IDENTITY_ROW, "records", "source -> sink, bytes, " + PARTITIONS + " partitions, 1 thread, commit every "
              + COMMIT_INTERVAL.toMillis() + " ms", run -> identity(kafka, run)),
          new Row(IN_PROCESS_ROW, "events", "each item answered in this JVM with its own input and an empty enrichment",
              run -> enricher(kafka, null, run)),
          new Row(ECHO_ROW, "events", "the real client and service over loopback, the enrichments replaced by an echo",
              run -> enricher(kafka, "127.0.0.1:" + echo.port(), run)),
          new Row(ENRICHER_ROW, "events", "target >= 0.5x", run -> enricher(kafka, "127.0.0.1:" + api.port(), run)));
      for (Row row : rows) {
        BenchContext.warmUp(Duration.ofSeconds(row.name.equals(ENRICHER_ROW) ? 90 : 60), () -> row.pass.run(warmUp));
      }
      // Passes alternate, so that whatever drifts during the run (the broker's logs and page cache,
      // the heap) weighs on every row alike, and each row is its median pass: single passes of the
      // same build moved by a fifth between runs.
      Map<Row, List<Pass>> passes = new HashMap<>();
      for (int i = 0; i < PASSES; i++) {
        for (Row row : rows) {
          passes.computeIfAbsent(row, k -> new ArrayList<>()).add(row.pass.run(n));
        }
      }
      List<Result> results = new ArrayList<>();
      for (Row row : rows) {
        Pass median = median(passes.get(row));
        String note = row.about + "; median of " + PASSES + " passes (" + range(passes.get(row), n) + " /s)"
            + (median.note.isEmpty() ? "" : "; " + median.note);
        Result result = Result.throughput(row.name, n, row.unit, median.seconds, median.bytes).withNote(note);
        results.add(row.name.equals(IDENTITY_ROW) ? result : result.comparedTo(IDENTITY_ROW));
      }
      return results;
    }
  }

  @FunctionalInterface
  private interface PassRunner {
    Pass run(int n) throws Exception;
  }

  private record Row(String name, String unit, String about, PassRunner pass) {}

  private static Pass median(List<Pass> passes) {
    List<Pass> sorted = passes.stream().sorted(Comparator.comparingDouble(Pass::seconds)).toList();
    return sorted.get(sorted.size() / 2);
  }

  private static String range(List<Pass> passes, int n) {
    DoubleSummaryStatistics rates = passes.stream().mapToDouble(p -> n / p.seconds).summaryStatistics();
    return String.format(Locale.ROOT, "%,.0f-%,.0f", rates.getMin(), rates.getMax());
  }

  private record Pass(double seconds, long bytes, String note) {}

  /** {@code n} records through an identity topology with the enricher's Streams settings. */
  private static Pass identity(KafkaServer kafka, int n) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String in = "bench-identity-in-" + run;
    String out = "bench-identity-out-" + run;
    kafka.createTopics(PARTITIONS, in, out);
    long bytes = produce(kafka, in, n);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(in, Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .to(out, Produced.with(Serdes.String(), Serdes.ByteArray()));
    EnricherProperties props = properties(kafka, "bench-identity-" + run, in, out, "unused", "127.0.0.1:1");
    return new Pass(measure(kafka, builder.build(), StreamsSettings.of(props), n, out), bytes, "");
  }

  /**
   * {@code n} raw events through the enricher's topology, calling the API at {@code target}, or
   * with every batch answered in this JVM when {@code target} is null.
   */
  private static Pass enricher(KafkaServer kafka, String target, int n) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String raw = "bench-raw-" + run;
    String enriched = "bench-enriched-" + run;
    String deadLetter = "bench-dead-letter-" + run;
    kafka.createTopics(PARTITIONS, raw, enriched, deadLetter);
    long bytes = produce(kafka, raw, n);
    EnricherProperties p = properties(kafka, "bench-enricher-" + run, raw, enriched, deadLetter,
        target == null ? "127.0.0.1:1" : target);
    ManagedChannel channel = target == null ? null : EnrichmentChannels.plaintext(p.enrichment().target(),
        p.enrichment().maxAttempts(), p.enrichment().backoffInitial(), p.enrichment().backoffMax());
    try {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      Enricher enricher = channel == null ? EchoServer::answerInProcess
          : EnricherConfiguration.enricher(p, channel, registry);
      CountingMetrics metrics = new CountingMetrics();
      Topology topology = EnricherTopology.build(EnricherConfiguration.topics(p),
          new PayloadValidator(SchemaStore.at(p.schemas().location())), enricher,
          EnricherConfiguration.options(p), metrics, RetryClock.SYSTEM);
      // How many records wait for an answer, sampled while the pass runs: each one still pending
      // at a commit is written to the store's changelog in full.
      AtomicLong samples = new AtomicLong();
      AtomicLong pendingSum = new AtomicLong();
      Thread sampler = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          pendingSum.addAndGet(metrics.pending.get());
          samples.incrementAndGet();
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "bench-pending-sampler");
      sampler.setDaemon(true);
      sampler.start();
      double seconds;
      try {
        seconds = measure(kafka, topology, StreamsSettings.of(p), n, enriched, deadLetter);
      } finally {
        sampler.interrupt();
      }
      long changelog = endOffsets(kafka, p.applicationId() + "-" + EnricherTopology.PENDING_STORE + "-changelog");
      var hitRatio = registry.find("millrace.enricher.cache.hit.ratio").gauge();
      return new Pass(seconds, bytes, String.format(Locale.ROOT,
          "%.0f items/call, %.0f pending on average, %.2f changelog records per event, %s, %d dead letters",
          metrics.items.get() / (double) Math.max(1, metrics.calls.get()),
          pendingSum.get() / (double) Math.max(1, samples.get()), changelog / (double) n,
          hitRatio == null ? "result cache off"
              : String.format(Locale.ROOT, "result cache hits %.0f%%", 100 * hitRatio.value()),
          metrics.deadLetters.get()));
    } finally {
      if (channel != null) {
        channel.shutdownNow();
      }
    }
  }

  private static EnricherProperties properties(KafkaServer kafka, String appId, String raw, String enriched,
                                               String deadLetter, String target) throws Exception {
    Map<String, String> m = new HashMap<>();
    m.put("millrace.enricher.application-id", appId);
    m.put("millrace.enricher.bootstrap-servers", kafka.bootstrapServers());
    m.put("millrace.enricher.topics.raw", raw);
    m.put("millrace.enricher.topics.enriched", enriched);
    m.put("millrace.enricher.topics.dead-letter", deadLetter);
    m.put("millrace.enricher.enrichment.target", target);
    m.put("millrace.enricher.streams.state-dir", Files.createTempDirectory("bench-streams").toString());
    // Both rows commit at the same interval; each commit is a few round trips on the broker.
    m.put("millrace.enricher.streams.commit-interval", COMMIT_INTERVAL.toMillis() + "ms");
    for (String kv : System.getProperty("bench.enricher.set", "").split(",")) {
      if (!kv.isBlank()) {
        m.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
      }
    }
    return new Binder(new MapConfigurationPropertySource(m))
        .bindOrCreate("millrace.enricher", Bindable.of(EnricherProperties.class));
  }

  /**
   * Seconds per record in the steady state, scaled to {@code n}: timed by a read_uncommitted reader
   * of the {@code out} topics from the first output record it sees to the last, so neither the
   * start-up (group join, first fetch) nor the wait for the last commit is counted; both are fixed
   * costs that made a short identity pass swing between 36,000 and 69,000 records/s. Commits during
   * the run are counted, as the stream thread makes them inline. Afterwards a read_committed reader
   * checks that exactly {@code n} records were committed.
   */
  private static double measure(KafkaServer kafka, Topology topology, Properties props, int n, String... out)
      throws Exception {
    try (KafkaStreams streams = new KafkaStreams(topology, props);
         KafkaConsumer<String, byte[]> written = reader(kafka, "read_uncommitted", out)) {
      streams.start();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      long first = 0;
      long firstCount = 0;
      long seen = 0;
      while (seen < n) {
        int got = written.poll(Duration.ofMillis(20)).count();
        if (got > 0 && seen == 0) {
          first = System.nanoTime();
          firstCount = got;
        }
        seen += got;
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + seen + " of " + n + " records on " + List.of(out));
        }
      }
      double seconds = (System.nanoTime() - first) / 1e9 * n / Math.max(1, n - firstCount);
      try (KafkaConsumer<String, byte[]> committed = reader(kafka, "read_committed", out)) {
        long count = 0;
        while (count < n) {
          count += committed.poll(Duration.ofMillis(100)).count();
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("only " + count + " of " + n + " records committed on " + List.of(out));
          }
        }
        if (count != n) {
          throw new IllegalStateException(count + " records committed on " + List.of(out) + ", expected " + n);
        }
      }
      streams.close(Duration.ofSeconds(30));
      return seconds;
    } finally {
      FileSystemUtils.deleteRecursively(Path.of(props.getProperty(StreamsConfig.STATE_DIR_CONFIG)));
    }
  }

  /** The sum of a topic's end offsets: records written to it, transaction markers included. */
  private static long endOffsets(KafkaServer kafka, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (var partition : admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()) {
        latest.put(new TopicPartition(topic, partition.partition()), OffsetSpec.latest());
      }
      return admin.listOffsets(latest).all().get().values().stream().mapToLong(ListOffsetsResultInfo::offset).sum();
    }
  }

  private static KafkaConsumer<String, byte[]> reader(KafkaServer kafka, String isolation, String... topics) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> tps = new ArrayList<>();
    for (String topic : topics) {
      for (int i = 0; i < PARTITIONS; i++) {
        tps.add(new TopicPartition(topic, i));
      }
    }
    c.assign(tps);
    c.seekToBeginning(tps);
    return c;
  }

  /** Produces {@code n} valid raw events of the five types; returns the bytes written. */
  private static long produce(KafkaServer kafka, String topic, int n) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    long bytes = 0;
    AtomicLong failed = new AtomicLong();
    try (KafkaProducer<String, byte[]> producer =
             new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      Topics.awaitLeaders(producer, topic, PARTITIONS);
      for (int i = 0; i < n; i++) {
        String id = UUID.randomUUID().toString();
        byte[] value = event(id, i).toByteArray();
        bytes += value.length;
        producer.send(new ProducerRecord<>(topic, id, value), (md, e) -> {
          if (e != null) {
            failed.incrementAndGet();
          }
        });
      }
      producer.flush();
    }
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " of " + n + " records could not be produced to " + topic);
    }
    return bytes;
  }

  private static final String[][] TYPES = {
      {"page_view", "{\"path\":\"/p/%d\",\"title\":\"Product %d\",\"page_type\":\"product\"}"},
      {"link_click", "{\"target_url\":\"https://partner.example/%d\",\"link_text\":\"offer %d\",\"outbound\":true}"},
      {"add_to_cart", "{\"product_id\":\"p-%d\",\"quantity\":%d,\"unit_price\":19.99,\"currency\":\"EUR\"}"},
      {"purchase", "{\"order_id\":\"o-%d\",\"currency\":\"EUR\",\"total\":39.98,\"items\":[{\"product_id\":\"p-%d\","
          + "\"quantity\":2,\"unit_price\":19.99}],\"payment_method\":\"card\"}"},
      {"signup", "{\"method\":\"email\",\"email\":\"user%d@example.com\",\"plan\":\"free\",\"marketing_opt_in\":%s}"},
  };
  private static final String[] AGENTS = {
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
      "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
  };

  private static RawEvent event(String id, int i) {
    String[] type = TYPES[i % TYPES.length];
    String payload = type[0].equals("signup")
        ? String.format(Locale.ROOT, type[1], i, i % 2 == 0)
        : String.format(Locale.ROOT, type[1], i, 1 + i % 5);
    return RawEvent.newBuilder()
        .setEvent(Event.newBuilder()
            .setEventId(id).setEventType(type[0]).setSchemaVersion("1-0-0")
            .setOccurredAt(Timestamp.newBuilder().setSeconds(1_790_000_000L + i))
            .setSource("shop-web")
            .setContext(Context.newBuilder()
                .setUserAgent(AGENTS[i % AGENTS.length])
                .setIp("203.0.113." + (i % 250))
                .setPageUrl("https://shop.example/p/" + (i % 500) + "?utm_source=news&utm_medium=email&utm_campaign=spring")
                .setReferrer(i % 3 == 0 ? "https://www.google.com/search?q=kettle" : "")
                .setUserId("user-" + (i % 1000))
                .setAnonymousId("anon-" + (i % 5000))
                .setLocale("en-GB"))
            .setPayloadJson(payload))
        .setMetadata(CollectorMetadata.newBuilder()
            .setReceivedAt(Timestamp.newBuilder().setSeconds(1_790_000_001L + i))
            .setCollectorInstance("collector-0").setRequestId("req-" + (i / 100))
            .setClientIp("198.51.100." + (i % 250)).setWriteKeyId("wk-1")
            .setTransport(Transport.TRANSPORT_REST).setBatchIndex(i % 100))
        .build();
  }

  /** Counts calls and items, for the note. */
  private static final class CountingMetrics implements EnricherMetrics {
    final AtomicLong calls = new AtomicLong();
    final AtomicLong items = new AtomicLong();
    final AtomicLong deadLetters = new AtomicLong();
    final AtomicLong pending = new AtomicLong();

    @Override
    public void received() {}

    @Override
    public void enriched() {}

    @Override
    public void deadLettered(dev.millrace.proto.v1.ReasonCode reason) {
      deadLetters.incrementAndGet();
    }

    @Override
    public void enrichmentCall(long nanos, int batchSize, boolean ok) {
      if (ok) {
        calls.incrementAndGet();
        items.addAndGet(batchSize);
      }
    }

    @Override
    public void pending(int delta) {
      pending.addAndGet(delta);
    }
  }
}
