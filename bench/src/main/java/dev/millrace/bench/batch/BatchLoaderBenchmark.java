package dev.millrace.bench.batch;

import com.google.protobuf.Timestamp;
import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.config.Clients;
import dev.millrace.batch.consume.FaultInjection;
import dev.millrace.batch.consume.LoaderLifecycle;
import dev.millrace.batch.consume.LoaderMetrics;
import dev.millrace.bench.Baselines;
import dev.millrace.bench.BenchContext;
import dev.millrace.bench.Benchmark;
import dev.millrace.bench.Result;
import dev.millrace.bench.Topics;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.S3Server;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Enrichment;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.UserAgentInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.util.FileSystemUtils;
import org.springframework.util.unit.DataSize;

/**
 * The batch loader end to end on the local-stack servers: ~1 KB enriched events already on a
 * 3-partition topic, read, written as ZSTD Parquet in 16 MiB files (the baseline's object size),
 * uploaded and committed. Timed from the first row written to the last offset committed, so the
 * consumer group's join is not counted. The ratio compares input MB/s to the raw S3 PUT MB/s.
 */
public final class BatchLoaderBenchmark implements Benchmark {

  /** One loader thread per partition of the bench topic (the default is 2). */
  private static final int CONSUMERS = 3;

  @Override
  public int order() {
    return 500;
  }

  @Override
  public String name() {
    return "batch-loader";
  }

  @Override
  public List<Result> run(BenchContext context) throws Exception {
    KafkaServer kafka = LocalStack.kafka();
    S3Server s3 = LocalStack.s3();
    // Warm-up passes (JIT, the S3 connection pool, the Parquet code paths) until the JIT is quiet.
    BenchContext.warmUp(Duration.ofSeconds(90), () -> pass(kafka, s3, Math.max(2_000, context.scaled(40_000))));
    // A measured pass counts only if no partition moved during it (see pass()).
    Pass p = null;
    int attempts = 0;
    while (attempts < 8 && (p == null || !p.clean)) {
      p = pass(kafka, s3, context.scaled(200_000));
      attempts++;
    }
    double inputMbs = p.inputBytes / p.seconds / (1024.0 * 1024.0);
    String ratio = context.result(Baselines.S3_PUT)
        .map(b -> String.format(Locale.ROOT, "%.2fx s3 put MB/s (target >= 0.8x)",
            inputMbs / b.megabytesPerSecond()))
        .orElse("no s3 baseline in this run");
    return List.of(
        Result.throughput("batch loader: kafka -> parquet -> s3 (1 KB events)", p.count, "events",
                p.seconds, p.inputBytes)
            .withNote(ratio + "; input bytes, ZSTD, 16 MiB files, 3 partitions x 3 types, "
                + CONSUMERS + " consumers" + (p.clean ? "" : "; UNCLEAN: partitions moved mid-run")
                + (attempts > 1 ? "; " + attempts + " attempts" : "")),
        Result.throughput("batch loader: parquet uploaded", (long) p.files, "files", p.seconds,
                (long) p.parquetBytes)
            .withLatency(p.meanUploadMillis, Double.NaN)
            .withNote(String.format(Locale.ROOT, "%.1fx compression; p50 column is the mean upload",
                p.inputBytes / Math.max(1, p.parquetBytes))));
  }

  /**
   * @param clean no partition moved while records were being written: the group was complete
   *     before the first row
   */
  private record Pass(int count, long inputBytes, double seconds, double files, double parquetBytes,
                      double meanUploadMillis, boolean clean) {}

  /**
   * Produces {@code count} events, then times the loader from its first row written until it has
   * drained: every row written, the last files uploaded by its graceful stop, offsets committed.
   */
  private static Pass pass(KafkaServer kafka, S3Server s3, int count) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String topic = "bench-batch-" + run;
    String bucket = "bench-batch-" + run;
    kafka.createTopics(3, topic);
    s3.createBucket(bucket);
    long inputBytes = produce(kafka, topic, count);

    Path spill = Files.createTempDirectory("bench-batch");
    BatchProperties props = new BatchProperties(topic, topic + ".dlq",
        Map.of("bootstrap.servers", kafka.bootstrapServers(), "group.id", "bench-" + run),
        new BatchProperties.S3(s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region(), bucket,
            "events", DataSize.ofMegabytes(16), Duration.ofSeconds(30)),
        BatchProperties.PartitionBy.RECEIVED_AT,
        new BatchProperties.Rotation(10_000_000, DataSize.ofMegabytes(16), Duration.ofMinutes(5)),
        new BatchProperties.Parquet(BatchProperties.Compression.ZSTD, DataSize.ofMegabytes(8), 1),
        32, CONSUMERS, spill, new BatchProperties.Retry(Duration.ofMillis(200), Duration.ofSeconds(5)),
        new BatchProperties.Marker(BatchProperties.MarkerMode.MANIFEST, Duration.ofMinutes(10),
            Duration.ofMinutes(1), Duration.ofSeconds(30)),
        Duration.ofMillis(200), Duration.ofSeconds(60));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // The service's own wiring: its loader threads, each with a consumer in the group.
    LoaderLifecycle loader = new LoaderLifecycle(props, new Clients(props),
        new LoaderMetrics(registry), Clock.systemUTC(), FaultInjection.NONE, event -> { });
    loader.start();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        kafka.bootstrapServers()))) {
      long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      var rows = registry.get("millrace.batch.rows").counter();
      // The first loader thread to join starts on all three partitions (local-stack's broker does
      // not delay the first assignment); when the others join after it has written rows, the
      // moved partitions' open files are dropped and written again by their new owners. Such a
      // pass measures a start-up, not the steady state: passes were bimodal (64,000 or 113,000
      // events/s). Such a pass is stopped at once and marked unclean; a measured one is run again.
      if (!awaitCompleteGroup(admin, "bench-" + run, deadline, loader, rows)) {
        loader.stop();
        return new Pass(count, inputBytes, Double.NaN, 0, 0, Double.NaN, false);
      }
      while (rows.count() == 0) {
        check(deadline, loader);
        Thread.sleep(2);
      }
      long began = System.nanoTime();
      // Written rows count a record twice in an unclean pass, so "all read" is also: no lag,
      // twice in a row.
      var lag = registry.get("millrace.batch.lag").gauge();
      int drained = 0;
      while (drained < 2) {
        check(deadline, loader);
        Thread.sleep(5);
        drained = rows.count() >= count && lag.value() == 0 ? drained + 1 : 0;
      }
      loader.stop();
      double seconds = (System.nanoTime() - began) / 1e9;
      if (committed(admin, "bench-" + run) != count) {
        throw new IllegalStateException("the batch loader did not commit every offset");
      }
      var uploads = registry.get("millrace.batch.upload.latency").timer();
      return new Pass(count, inputBytes, seconds, registry.get("millrace.batch.files").counter().count(),
          registry.get("millrace.batch.bytes").counter().count(),
          uploads.mean(java.util.concurrent.TimeUnit.MILLISECONDS), true);
    } finally {
      if (loader.isRunning()) {
        loader.stop();
      }
      FileSystemUtils.deleteRecursively(spill);
    }
  }

  /**
   * Waits until the group has {@link #CONSUMERS} members, each with a partition; true if no row
   * had been written by then.
   */
  private static boolean awaitCompleteGroup(Admin admin, String group, long deadline,
                                            LoaderLifecycle loader, Counter rows) throws Exception {
    while (true) {
      check(deadline, loader);
      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups()
          .get(group).get();
      if (d.groupState() == GroupState.STABLE && d.members().size() == CONSUMERS
          && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
        return rows.count() == 0;
      }
      Thread.sleep(2);
    }
  }

  private static void check(long deadline, LoaderLifecycle loader) {
    if (System.nanoTime() > deadline || !loader.alive()) {
      throw new IllegalStateException("the batch loader did not finish (see its log)");
    }
  }

  private static long committed(Admin admin, String group) throws Exception {
    return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values()
        .stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
  }

  /** Produces {@code count} ~1 KB enriched events; returns the bytes of their values. */
  private static long produce(KafkaServer kafka, String topic, int count) throws Exception {
    Random random = new Random(5);
    String[] types = {"page_view", "click", "purchase"};
    long hour = Instant.now().minus(Duration.ofHours(2)).getEpochSecond() / 3600 * 3600;
    long bytes = 0;
    var failure = new java.util.concurrent.atomic.AtomicReference<Exception>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20,
        ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
        new StringSerializer(), new ByteArraySerializer())) {
      Topics.awaitLeaders(producer, topic, 3);
      for (int i = 0; i < count; i++) {
        String id = new UUID(random.nextLong(), i).toString();
        StringBuilder filler = new StringBuilder(700);
        for (int c = 0; c < 700; c++) {
          filler.append((char) ('a' + random.nextInt(26)));
        }
        Timestamp at = Timestamp.newBuilder().setSeconds(hour + (i % 3600)).build();
        byte[] value = EnrichedEvent.newBuilder()
            .setRaw(RawEvent.newBuilder()
                .setEvent(Event.newBuilder().setEventId(id).setEventType(types[i % 3])
                    .setSchemaVersion("1-0-0").setOccurredAt(at).setSource("bench")
                    .setContext(Context.newBuilder().setUserAgent("Mozilla/5.0 (X11; Linux x86_64)")
                        .setPageUrl("https://shop.example/p/" + (i % 1000)).setLocale("en-GB"))
                    .setPayloadJson("{\"n\":" + i + ",\"text\":\"" + filler + "\"}"))
                .setMetadata(CollectorMetadata.newBuilder().setReceivedAt(at).setRequestId(id)))
            .setEnrichment(Enrichment.newBuilder().setUserAgent(
                UserAgentInfo.newBuilder().setDeviceClass("Desktop").setAgentName("Firefox"))
                .setEnrichmentVersion("1.0.0").addApplied("user_agent"))
            .setEnrichedAt(at)
            .build().toByteArray();
        bytes += value.length;
        producer.send(new ProducerRecord<>(topic, id, value), (metadata, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
        });
      }
      producer.flush();
      if (failure.get() != null) {
        throw new IllegalStateException("producing the bench events failed", failure.get());
      }
    }
    return bytes;
  }
}
