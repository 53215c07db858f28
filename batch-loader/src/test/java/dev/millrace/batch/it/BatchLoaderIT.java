package dev.millrace.batch.it;

import static dev.millrace.batch.it.LoaderHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.consume.FaultInjection;
import dev.millrace.batch.store.ObjectNames;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.localstack.S3Server;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import dev.millrace.batch.consume.LoaderLifecycle;
import java.util.Arrays;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The loader on a real Kafka broker and a real S3 server (s3proxy); nothing faked. */
@ExtendWith(LocalStackExtension.class)
class BatchLoaderIT {

  private static final String[] TYPES = {"page_view", "click", "purchase"};
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path tmp;
  private final KafkaServer kafka;
  private final S3Server s3;

  BatchLoaderIT(KafkaServer kafka, S3Server s3) {
    this.kafka = kafka;
    this.s3 = s3;
  }

  /**
   * Four stamps over three past hours (four, so that with three types every type lands in every
   * hour): each partition has up to nine files open at once.
   */
  private static Instant[] hours() {
    Instant h = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(5, ChronoUnit.HOURS);
    return new Instant[] {h.plusSeconds(60), h.plusSeconds(3600 + 60), h.plusSeconds(7200 + 60),
        h.plusSeconds(7200 + 1800)};
  }

  @Test
  void tenThousandEventsBecomeExactlyTenThousandRowsReadBackByAnIndependentReader() throws Exception {
    try (LoaderHarness h = new LoaderHarness(kafka, s3, "exact", 3, tmp)) {
      ConfigurableApplicationContext app = h.start(FaultInjection.NONE);
      List<String> sent = h.send(10_000, "e", TYPES, hours(), null);
      await(WAIT, "10,000 rows", () -> h.eventIds().size() >= 10_000);
      List<String> stored = h.eventIds();
      assertThat(stored).hasSize(10_000).doesNotHaveDuplicates();
      assertThat(new HashSet<>(stored)).isEqualTo(new HashSet<>(sent));
      assertThat(h.keys("events/")).filteredOn(k -> k.endsWith(".parquet"))
          .allMatch(k -> k.matches("events/event_type=(page_view|click|purchase)/dt=\\d{4}-\\d{2}-\\d{2}"
              + "/hour=\\d{2}/enriched-exact-p[0-2]-o\\d{19}-\\d{19}\\.parquet"));
      await(WAIT, "every offset committed", () -> h.committed().values().stream()
          .mapToLong(o -> o.offset()).sum() == 10_000);

      int port = ((WebServerApplicationContext) app).getWebServer().getPort();
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      String metrics = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      // Written rows may count a record twice: with two loader threads, the second one's join can
      // move a partition whose open files are then dropped and written again by the new owner.
      assertThat(metrics).contains("millrace_batch_rows_uploaded_total 10000.0",
          "millrace_batch_rows_total", "millrace_batch_files_total",
          "millrace_batch_upload_latency_seconds_bucket", "millrace_batch_open_files",
          "millrace_batch_lag", "millrace_batch_bytes_total");
    }
  }

  @Test
  void killedAfterAnUploadBeforeItsCommitThenRestartedStillExactlyTenThousand() throws Exception {
    try (LoaderHarness h = new LoaderHarness(kafka, s3, "kill", 3, tmp)) {
      AtomicInteger uploads = new AtomicInteger();
      AtomicReference<String> killedAfter = new AtomicReference<>();
      // A kill takes the whole process: once one loader thread dies, its siblings die at their
      // next upload or commit, rather than taking over its partitions and committing past the file.
      FaultInjection killOnFifthUpload = new FaultInjection() {
        @Override
        public void afterUpload(String dataKey) {
          if (uploads.incrementAndGet() == 5) {
            killedAfter.set(dataKey);
          }
          if (killedAfter.get() != null) {
            throw new Crash("killed after uploading " + killedAfter.get());
          }
        }

        @Override
        public void beforeCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
          if (killedAfter.get() != null) {
            throw new Crash("killed before committing " + offsets);
          }
        }
      };
      List<String> sent = h.send(10_000, "k", TYPES, hours(), null);
      ConfigurableApplicationContext first = h.start(killOnFifthUpload);
      await(WAIT, "the kill", () -> killedAfter.get() != null);
      first.close();

      // The file is in the store but its records are not committed: a restart re-reads them.
      ObjectNames.DataFile file = ObjectNames.parseDataFile(killedAfter.get());
      assertThat(h.keys("events/")).contains(killedAfter.get());
      var committed = h.committed().get(new TopicPartition(h.topic, file.partition()));
      assertThat(committed == null ? 0 : committed.offset()).isLessThanOrEqualTo(file.lastOffset());

      h.start(FaultInjection.NONE);
      await(WAIT, "10,000 rows", () -> h.eventIds().size() >= 10_000
          && h.committed().values().stream().mapToLong(o -> o.offset()).sum() == 10_000);
      List<String> stored = h.eventIds();
      assertThat(stored).hasSize(10_000).doesNotHaveDuplicates();
      assertThat(new HashSet<>(stored)).isEqualTo(new HashSet<>(sent));
    }
  }

  @Test
  void aPartitionThatStopsReceivingRecordsIsFlushedWithinTheRotationInterval() throws Exception {
    try (LoaderHarness h = new LoaderHarness(kafka, s3, "quiet", 2, tmp)) {
      h.set("millrace.batch.rotation.max-records", "1000000").set("millrace.batch.rotation.interval", "2s");
      h.start(FaultInjection.NONE);
      // Five records to partition 0, then nothing more: only the clock can close the file.
      h.send(5, "q", new String[] {"page_view"}, new Instant[] {Instant.now()}, 0);
      await(Duration.ofSeconds(30), "the quiet file's upload", () -> h.parquetFiles() == 1);
      assertThat(h.eventIds()).hasSize(5);
      await(Duration.ofSeconds(30), "its commit", () ->
          h.committed().get(new TopicPartition(h.topic, 0)) != null
              && h.committed().get(new TopicPartition(h.topic, 0)).offset() == 5);
    }
  }

  @Test
  void theS3ServerStoppedMidRunThenStartedStillGivesExactlyTenThousand() throws Exception {
    try (LoaderHarness h = new LoaderHarness(kafka, s3, "outage", 3, tmp)) {
      h.start(FaultInjection.NONE);
      List<String> sent = new java.util.ArrayList<>(h.send(5_000, "a", TYPES, hours(), null));
      await(WAIT, "first files", () -> h.parquetFiles() > 0);
      s3.stop();
      try {
        sent.addAll(h.send(5_000, "b", TYPES, hours(), null));
        Thread.sleep(5_000); // several failed uploads and backoffs
      } finally {
        s3.start();
      }
      await(WAIT, "10,000 rows", () -> h.eventIds().size() >= 10_000
          && h.committed().values().stream().mapToLong(o -> o.offset()).sum() == 10_000);
      List<String> stored = h.eventIds();
      assertThat(stored).hasSize(10_000).doesNotHaveDuplicates();
      assertThat(new HashSet<>(stored)).isEqualTo(new HashSet<>(sent));
    }
  }

  @Test
  void markersAppearOnlyForCompleteHoursAndListTheirFiles() throws Exception {
    try (LoaderHarness h = new LoaderHarness(kafka, s3, "markers", 2, tmp)) {
      Instant now = Instant.now();
      Instant thisHour = now.truncatedTo(ChronoUnit.HOURS);
      Instant threeAgo = thisHour.minus(3, ChronoUnit.HOURS);
      Instant twoAgo = thisHour.minus(2, ChronoUnit.HOURS);
      h.start(FaultInjection.NONE);
      // Two types over two past hours, then the current hour: in order, as a collector's clock
      // would stamp them (data later than the grace period is the curation job's concern).
      String[] types = {"page_view", "click"};
      // (three stamps for two types, so each type gets both hours)
      h.send(300, "old", types, new Instant[] {threeAgo.plusSeconds(10), twoAgo.plusSeconds(10),
          twoAgo.plusSeconds(20)}, null);
      h.send(100, "new", types, new Instant[] {now}, null);
      ObjectNames names = new ObjectNames("events");
      String twoAgoMarker = names.hourMarkerKey(twoAgo.toEpochMilli());
      await(WAIT, "the marker of two hours ago", () -> h.keys("events/_markers/").contains(twoAgoMarker));

      List<String> keys = h.keys("events/");
      assertThat(keys).contains(names.hourMarkerKey(threeAgo.toEpochMilli()), twoAgoMarker);
      assertThat(keys).doesNotContain(names.hourMarkerKey(thisHour.toEpochMilli()));
      // This hour's files exist (the interval flushed them) but the hour is not complete.
      String thisHourDir = "dt=" + thisHour.toString().substring(0, 10)
          + "/hour=" + thisHour.toString().substring(11, 13) + "/";
      await(WAIT, "this hour's files", () -> h.keys("events/").stream()
          .anyMatch(k -> k.contains(thisHourDir) && k.endsWith(".parquet")));
      Thread.sleep(1_500); // three marker checks
      assertThat(h.keys("events/")).noneMatch(k -> k.contains(thisHourDir) && k.endsWith("_SUCCESS"));

      for (String type : List.of("page_view", "click")) {
        String dir = "events/event_type=" + type + "/dt=" + twoAgo.toString().substring(0, 10)
            + "/hour=" + twoAgo.toString().substring(11, 13) + "/";
        List<String> files = keys.stream().filter(k -> k.startsWith(dir) && k.endsWith(".parquet")).toList();
        String manifest;
        try (var minio = h.minio(); InputStream in = minio.getObject(io.minio.GetObjectArgs.builder()
            .bucket(h.bucket).object(dir + "_SUCCESS").build())) {
          manifest = new String(in.readAllBytes());
        }
        assertThat(files).isNotEmpty();
        files.forEach(f -> assertThat(manifest).contains(f));
        assertThat(manifest.split("\\.parquet").length - 1).as("only the hour's files").isEqualTo(files.size());
      }
    }
  }

  @Test
  void aDeadLetterTheTopicRefusesStopsItsPartitionWithHealthDownAndTheOtherPartitionLoadsOn()
      throws Exception {
    try (LoaderHarness h = new LoaderHarness(kafka, s3, "refused", 2, tmp)) {
      // One consumer owns both partitions, so the partition that loads on is served by the same
      // loop as the stopped one. (With two, a late-joining consumer can take the stopped partition
      // over and try its dead letter once more, which is right but makes the count below vary.)
      h.set("millrace.batch.consumers", "1");
      String deadLetters = h.topic + ".dlq";
      // The dead-letter topic takes no record above 256 bytes: the broker refuses the dead letter
      // of a 2,000-byte record with RecordTooLargeException, which no retry can fix.
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
          kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(deadLetters, 1, (short) 1)
            .configs(Map.of("max.message.bytes", "256")))).all().get();
      }
      Instant now = Instant.now();
      List<String> first = h.send(10, "a", TYPES, new Instant[] {now}, 0);
      byte[] notAnEvent = new byte[2000];
      Arrays.fill(notAnEvent, (byte) 0xff);
      h.sendRaw(0, notAnEvent); // offset 10 of partition 0
      h.send(10, "b", TYPES, new Instant[] {now}, 0);
      List<String> other = h.send(20, "c", TYPES, new Instant[] {now}, 1);
      ConfigurableApplicationContext app = h.start(FaultInjection.NONE);
      TopicPartition p0 = new TopicPartition(h.topic, 0);
      TopicPartition p1 = new TopicPartition(h.topic, 1);
      await(WAIT, "partition 1 committed and partition 0 up to the refused record", () -> {
        Map<TopicPartition, OffsetAndMetadata> c = h.committed();
        return c.get(p1) != null && c.get(p1).offset() == 20
            && c.get(p0) != null && c.get(p0).offset() == 10;
      });
      LoaderLifecycle loader = app.getBean(LoaderLifecycle.class);
      assertThat(loader.failure()).contains("topic " + h.topic + " partition 0 stopped at offset 10",
          "RecordTooLargeException");
      int port = ((WebServerApplicationContext) app).getWebServer().getPort();
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as("readiness is DOWN").isEqualTo(503);
      HttpResponse<String> live = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/actuator/health/liveness")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(live.statusCode()).as("no restart into the same refusal").isEqualTo(200);

      Thread.sleep(3_000); // several turns and backoffs: nothing is sent again or committed past
      String metrics = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("millrace_batch_dead_letter_failures_total 1.0",
          "millrace_batch_stopped_partitions 1.0");
      assertThat(h.committed().get(p0).offset()).isEqualTo(10);
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
          kafka.bootstrapServers()))) {
        assertThat(admin.listOffsets(Map.of(new TopicPartition(deadLetters, 0), OffsetSpec.latest()))
            .all().get().values().iterator().next().offset()).isZero();
      }
      assertThat(h.eventIds()).containsAll(first).containsAll(other);
    }
  }
}
