package dev.millrace.batch.consume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.config.BatchProperties.MarkerMode;
import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.support.Events;
import dev.millrace.batch.support.FakeClock;
import dev.millrace.batch.support.MemoryStore;
import dev.millrace.batch.support.ParquetRows;
import dev.millrace.batch.support.TestProps;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.millrace.batch.partition.Destination;
import dev.millrace.proto.WireNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.parquet.example.data.Group;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The loop against Kafka's MockConsumer and an in-memory store: the network edges faked. */
class LoaderLoopTest {

  private static final TopicPartition TP = new TopicPartition("enriched", 0);
  private static final TopicPartition TP1 = new TopicPartition("enriched", 1);
  private static final Instant T0 = Instant.parse("2026-11-20T10:05:00Z");

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(T0);
  private final MemoryStore store = new MemoryStore();
  private MockConsumer<String, byte[]> consumer;
  private MockProducer<String, byte[]> producer;
  private final Map<TopicPartition, Long> committedBefore = new HashMap<>();
  /** Offsets committed by the loop, kept after the consumer is closed. */
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  /** Fake-clock time the loop spent between one poll's return and the next poll: its turns. */
  private final List<Long> turns = new ArrayList<>();

  @BeforeEach
  void setUp() {
    newConsumer();
  }

  private void newConsumer() {
    newConsumer(List.of(TP));
  }

  private void newConsumer(List<TopicPartition> partitions) {
    consumer = new MockConsumer<>("earliest") {
      private long lastReturn = Long.MIN_VALUE;

      @Override
      public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        super.commitSync(offsets);
        offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
      }

      @Override
      public synchronized ConsumerRecords<String, byte[]> poll(Duration timeout) {
        if (lastReturn != Long.MIN_VALUE) {
          turns.add(clock.millis() - lastReturn);
        }
        try {
          return super.poll(timeout);
        } finally {
          lastReturn = clock.millis(); // after the poll task, which may move the clock on
        }
      }
    };
    consumer.updatePartitions("enriched", partitions.stream()
        .map(tp -> new PartitionInfo("enriched", tp.partition(), null, null, null)).toList());
    Map<TopicPartition, Long> zero = new HashMap<>();
    partitions.forEach(tp -> zero.put(tp, 0L));
    consumer.updateBeginningOffsets(zero);
    consumer.updateEndOffsets(zero);
    if (!committedBefore.isEmpty()) {
      Map<TopicPartition, OffsetAndMetadata> c = new HashMap<>();
      committedBefore.forEach((tp, o) -> c.put(tp, new OffsetAndMetadata(o)));
      consumer.commitSync(c);
    }
    producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
  }

  private LoaderLoop loop(BatchProperties props, FaultInjection faults) {
    return new LoaderLoop(props, consumer, producer, store, clock,
        new LoaderMetrics(new SimpleMeterRegistry()), faults);
  }

  private ConsumerRecord<String, byte[]> record(long offset, String type, Instant receivedAt) {
    return record(0, offset, type, receivedAt);
  }

  private ConsumerRecord<String, byte[]> record(int partition, long offset, String type,
                                                Instant receivedAt) {
    return new ConsumerRecord<>("enriched", partition, offset, "k",
        Events.enriched(partition == 0 ? "id-" + offset : "id-" + partition + "-" + offset, type,
            receivedAt).toByteArray());
  }

  private ConsumerRecord<String, byte[]> garbage(int partition, long offset) {
    return new ConsumerRecord<>("enriched", partition, offset, "k", new byte[] {(byte) 0xff, 1, 2});
  }

  /** Runs the loop on two partitions: one poll per step, then stops it. */
  private void runOnTwo(LoaderLoop loop, List<Runnable> steps) {
    consumer.schedulePollTask(() -> consumer.rebalance(List.of(TP, TP1)));
    for (Runnable step : steps) {
      consumer.schedulePollTask(step);
    }
    consumer.schedulePollTask(loop::stop);
    loop.run();
  }

  private static List<Runnable> idle(int polls) {
    List<Runnable> steps = new ArrayList<>();
    for (int i = 0; i < polls; i++) {
      steps.add(() -> {});
    }
    return steps;
  }

  @SafeVarargs
  private static List<Runnable> steps(List<Runnable>... parts) {
    List<Runnable> all = new ArrayList<>();
    for (List<Runnable> part : parts) {
      all.addAll(part);
    }
    return all;
  }

  /** Runs the loop: one poll per step, then stops it. */
  private void run(LoaderLoop loop, List<Runnable> steps) {
    consumer.schedulePollTask(() -> consumer.rebalance(List.of(TP)));
    consumer.schedulePollTask(() -> {});
    for (Runnable step : steps) {
      consumer.schedulePollTask(step);
    }
    consumer.schedulePollTask(loop::stop);
    loop.run();
  }

  private List<String> eventIdsInStore() throws Exception {
    List<String> ids = new ArrayList<>();
    for (String key : store.keys(".parquet")) {
      if (!key.contains("/event_type=")) {
        continue;
      }
      Path f = Files.createTempFile(dir, "dl", ".parquet");
      Files.write(f, store.objects.get(key));
      for (Group g : ParquetRows.read(f)) {
        ids.add(g.getString("event_id", 0));
      }
    }
    return ids;
  }

  @Test
  void aQuietFileIsUploadedWhenTheIntervalPassesAndTheCommitWaitsForTheOtherOpenFile()
      throws Exception {
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE);
    LoaderLoop loop = loop(props, FaultInjection.NONE);
    List<Map<TopicPartition, OffsetAndMetadata>> commitsSeen = new ArrayList<>();
    AtomicBoolean quietUploadedBeforeShutdown = new AtomicBoolean();
    run(loop, List.of(
        () -> consumer.addRecord(record(0, "click", T0)),
        () -> clock.advance(Duration.ofMinutes(3)),
        () -> {
          consumer.addRecord(record(1, "page_view", T0.plusSeconds(180)));
          consumer.addRecord(record(2, "page_view", T0.plusSeconds(181)));
        },
        // 5 minutes after the click file opened: no click arrived, it must still be closed.
        () -> clock.advance(Duration.ofMinutes(2)),
        () -> {
          quietUploadedBeforeShutdown.set(store.keys(".parquet").stream()
              .anyMatch(k -> k.contains("event_type=click/")));
          commitsSeen.add(consumer.committed(java.util.Set.of(TP)));
        }));
    assertThat(quietUploadedBeforeShutdown).isTrue();
    // The click file [0..0] is uploaded, the page_view file from 1 is still open: commit 1, not 3.
    assertThat(commitsSeen.get(0).get(TP).offset()).isEqualTo(1);
    // Graceful shutdown uploaded the rest and committed everything.
    assertThat(committed.get(TP)).isEqualTo(3);
    assertThat(eventIdsInStore()).containsExactlyInAnyOrder("id-0", "id-1", "id-2");
    assertThat(store.keys(".parquet")).contains(
        "events/event_type=click/dt=2026-11-20/hour=10/enriched-p0-o0000000000000000000-0000000000000000000.parquet",
        "events/event_type=page_view/dt=2026-11-20/hour=10/enriched-p0-o0000000000000000001-0000000000000000002.parquet");
  }

  @Test
  void aStoppedLoopLeavesTheGroupOnlyOnceItsSiblingLoopsHaveCommitted() throws Exception {
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE);
    CountDownLatch leaving = new CountDownLatch(2);
    MockConsumer<String, byte[]> firstConsumer = consumer;
    LoaderLoop first = new LoaderLoop(props, dir.resolve("spill-0"), 5, firstConsumer, producer,
        store, clock, new LoaderMetrics(new SimpleMeterRegistry()), FaultInjection.NONE, leaving);
    firstConsumer.schedulePollTask(() -> firstConsumer.rebalance(List.of(TP)));
    firstConsumer.schedulePollTask(() -> {});
    firstConsumer.schedulePollTask(() -> firstConsumer.addRecord(record(0, "click", T0)));
    firstConsumer.schedulePollTask(first::stop);
    Thread firstThread = new Thread(first::run, "first-loop");
    firstThread.start();

    // The first loop uploads and commits its record, then stays in the group: leaving now would
    // move its partition and fail the sibling's final commit.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!Long.valueOf(1).equals(committed.get(TP)) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(committed.get(TP)).isEqualTo(1);
    Thread.sleep(200);
    assertThat(firstThread.isAlive()).isTrue();
    assertThat(firstConsumer.closed()).isFalse();

    // The sibling stops too (it owns nothing here); now both leave.
    newConsumer();
    LoaderLoop second = new LoaderLoop(props, dir.resolve("spill-1"), 5, consumer, producer,
        store, clock, new LoaderMetrics(new SimpleMeterRegistry()), FaultInjection.NONE, leaving);
    consumer.schedulePollTask(second::stop);
    second.run();
    firstThread.join(5000);
    assertThat(firstThread.isAlive()).isFalse();
    assertThat(firstConsumer.closed()).isTrue();
    assertThat(consumer.closed()).isTrue();
  }

  @Test
  void killedAfterAnUploadBeforeItsCommitThenRestartedStoresEveryRecordOnce() throws Exception {
    BatchProperties props = TestProps.props(dir.resolve("spill"), 3, Duration.ofMinutes(5), 10,
        MarkerMode.NONE);
    // Interleaved types: page_view fills 3 records first; click stays open and holds the commit.
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    String[] types = {"click", "page_view", "page_view", "page_view", "click", "page_view", "click"};
    for (int i = 0; i < types.length; i++) {
      records.add(record(i, types[i], T0.plusSeconds(i)));
    }
    FaultInjection killOnFirstUpload = new FaultInjection() {
      @Override
      public void afterUpload(String dataKey) {
        throw new Crash("killed after uploading " + dataKey);
      }
    };
    LoaderLoop first = loop(props, killOnFirstUpload);
    consumer.schedulePollTask(() -> consumer.rebalance(List.of(TP)));
    consumer.schedulePollTask(() -> {});
    consumer.schedulePollTask(() -> records.forEach(consumer::addRecord));
    first.run();
    assertThat(first.alive()).isFalse();
    assertThat(store.keys(".parquet")).hasSize(1);
    assertThat(committed).isEmpty();

    newConsumer();
    LoaderLoop second = loop(props, FaultInjection.NONE);
    run(second, List.of(() -> records.forEach(consumer::addRecord)));
    assertThat(eventIdsInStore()).hasSize(7).doesNotHaveDuplicates();
    assertThat(committed.get(TP)).isEqualTo(7);
    assertThat(store.keys("")).noneMatch(k -> k.contains("/_offsets/"))
        .as("receipts are removed once their offsets are committed");
  }

  @Test
  void whileTheStoreIsDownNothingIsCommittedOrDroppedAndReadingPauses() throws Exception {
    BatchProperties props = TestProps.props(dir.resolve("spill"), 2, Duration.ofMinutes(5), 10,
        MarkerMode.NONE);
    LoaderLoop loop = loop(props, FaultInjection.NONE);
    List<Object> seen = new ArrayList<>();
    run(loop, List.of(
        () -> {
          store.down = true;
          for (int i = 0; i < 4; i++) {
            consumer.addRecord(record(i, "page_view", T0));
          }
        },
        () -> clock.advance(Duration.ofMillis(10)),
        () -> {
          seen.add(consumer.committed(java.util.Set.of(TP)).get(TP));
          seen.add(consumer.paused().contains(TP));
          seen.add(loop.unhealthy() != null);
          store.down = false;
          clock.advance(Duration.ofSeconds(3));
        },
        () -> clock.advance(Duration.ofSeconds(3)),
        () -> seen.add(consumer.committed(java.util.Set.of(TP)).get(TP).offset())));
    assertThat(seen.get(0)).as("no commit while the store is down").isNull();
    assertThat(seen.get(1)).as("reading paused").isEqualTo(true);
    assertThat(seen.get(2)).as("not ready").isEqualTo(true);
    assertThat(seen.get(3)).isEqualTo(4L);
    assertThat(eventIdsInStore()).hasSize(4).doesNotHaveDuplicates();
  }

  @Test
  void aRecordThatIsNotAnEnrichedEventIsDeadLetteredAndTheRestGoOn() throws Exception {
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE);
    LoaderLoop loop = loop(props, FaultInjection.NONE);
    run(loop, List.of(() -> {
      consumer.addRecord(new ConsumerRecord<>("enriched", 0, 0, "k", new byte[] {(byte) 0xff, 1, 2}));
      consumer.addRecord(record(1, "page_view", T0));
    }));
    assertThat(producer.history()).hasSize(1);
    dev.millrace.proto.v1.DeadLetter letter =
        dev.millrace.proto.v1.DeadLetter.parseFrom(producer.history().get(0).value());
    assertThat(letter.getReason()).isEqualTo(dev.millrace.proto.v1.ReasonCode.LOADER_UNDECODABLE);
    assertThat(letter.getSourceOffset()).isZero();
    assertThat(eventIdsInStore()).containsExactly("id-1");
    assertThat(committed.get(TP)).isEqualTo(2);
  }

  @Test
  void aDeadLetterCarriesTheEventIdTheEnrichedRecordsHeadersGive() throws Exception {
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE);
    LoaderLoop loop = loop(props, FaultInjection.NONE);
    ConsumerRecord<String, byte[]> withHeaders =
        new ConsumerRecord<>("enriched", 0, 0, "user-pseudonym", new byte[] {(byte) 0xff, 1, 2});
    withHeaders.headers().add(WireNames.HEADER_EVENT_ID, "id-0".getBytes(StandardCharsets.UTF_8));
    withHeaders.headers().add(WireNames.HEADER_EVENT_TYPE, "page_view".getBytes(StandardCharsets.UTF_8));
    withHeaders.headers().add(WireNames.HEADER_SCHEMA_VERSION, "1-0-0".getBytes(StandardCharsets.UTF_8));
    run(loop, List.of(() -> {
      consumer.addRecord(withHeaders);
      consumer.addRecord(new ConsumerRecord<>("enriched", 0, 1, "k", new byte[] {(byte) 0xff, 3}));
      consumer.addRecord(record(2, "page_view", T0));
    }));

    assertThat(producer.history()).hasSize(2);
    ProducerRecord<String, byte[]> known = producer.history().get(0);
    assertThat(known.key()).as("the enriched record's key, as before").isEqualTo("user-pseudonym");
    assertThat(headers(known)).containsExactly(
        Map.entry(WireNames.HEADER_EVENT_ID, "id-0"),
        Map.entry(WireNames.HEADER_EVENT_TYPE, "page_view"),
        Map.entry(WireNames.HEADER_SCHEMA_VERSION, "1-0-0"),
        Map.entry(WireNames.HEADER_REASON, "LOADER_UNDECODABLE"),
        Map.entry(WireNames.HEADER_CONTENT_TYPE, "millrace.v1.DeadLetter"));
    dev.millrace.proto.v1.DeadLetter letter = dev.millrace.proto.v1.DeadLetter.parseFrom(known.value());
    assertThat(letter.getEventId()).isEqualTo("id-0");
    assertThat(letter.getEventType()).isEqualTo("page_view");
    assertThat(letter.getSchemaVersion()).isEqualTo("1-0-0");
    // A record without the headers: nothing to name the event by, the rest as before.
    assertThat(headers(producer.history().get(1))).containsExactly(
        Map.entry(WireNames.HEADER_REASON, "LOADER_UNDECODABLE"),
        Map.entry(WireNames.HEADER_CONTENT_TYPE, "millrace.v1.DeadLetter"));
    assertThat(eventIdsInStore()).containsExactly("id-2");
  }

  private static Map<String, String> headers(ProducerRecord<String, byte[]> record) {
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    for (Header h : record.headers()) {
      headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
    }
    return headers;
  }

  @Test
  void theOpenFileCapClosesTheOldestFile() throws Exception {
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 2,
        MarkerMode.NONE);
    LoaderLoop loop = loop(props, FaultInjection.NONE);
    List<Integer> uploadedBeforeShutdown = new ArrayList<>();
    run(loop, List.of(
        () -> {
          consumer.addRecord(record(0, "a", T0));
          consumer.addRecord(record(1, "b", T0));
          consumer.addRecord(record(2, "c", T0));
        },
        () -> uploadedBeforeShutdown.add(store.keys(".parquet").size())));
    assertThat(uploadedBeforeShutdown).containsExactly(1);
    assertThat(store.keys(".parquet").get(0)).contains("event_type=a/");
  }

  @Test
  void markersAppearOnlyForHoursPastTheWatermarkAndGrace() throws Exception {
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.MANIFEST);
    LoaderLoop loop = loop(props, FaultInjection.NONE);
    ObjectNames names = new ObjectNames("events");
    long h10 = Instant.parse("2026-11-20T10:00:00Z").toEpochMilli();
    List<Boolean> h10MarkedEarly = new ArrayList<>();
    run(loop, List.of(
        () -> consumer.addRecord(record(0, "page_view", T0)),
        // 11:05: past hour 10's end but not past its grace (10 minutes).
        () -> {
          clock.advance(Duration.ofMinutes(60));
          consumer.addRecord(record(1, "page_view", T0.plusSeconds(3600)));
        },
        () -> clock.advance(Duration.ofSeconds(2)),
        () -> h10MarkedEarly.add(store.objects.containsKey(names.hourMarkerKey(h10))),
        // 11:11: a record at 11:11 moves the watermark past 11:10.
        () -> {
          clock.advance(Duration.ofMinutes(6));
          consumer.addRecord(record(2, "page_view", T0.plusSeconds(3600 + 360)));
        },
        () -> clock.advance(Duration.ofSeconds(2)),
        () -> clock.advance(Duration.ofSeconds(2))));
    assertThat(h10MarkedEarly).containsExactly(false);
    assertThat(store.objects).containsKey(names.hourMarkerKey(h10));
    String manifest = new String(store.objects.get(
        "events/event_type=page_view/dt=2026-11-20/hour=10/_SUCCESS"));
    assertThat(manifest).contains("enriched-p0-o0000000000000000000-0000000000000000000.parquet");
    assertThat(store.objects).doesNotContainKey(names.hourMarkerKey(h10 + 3_600_000));
  }

  // ---- a slow store, revocation, a zombie's late upload ------------------------------------

  @Test
  void withASlowStoreTheLoopStillPollsWithinItsTurnBudget() throws Exception {
    Duration budget = Duration.ofSeconds(1);
    Duration perCall = Duration.ofMillis(400);
    store.slow(clock, perCall);
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 20,
        MarkerMode.NONE, budget);
    LoaderLoop loop = loop(props, FaultInjection.NONE);
    List<Integer> uploadedBeforeShutdown = new ArrayList<>();
    run(loop, steps(
        List.of(() -> {
          // Ten files, twenty store calls: eight seconds of a slow store.
          for (int i = 0; i < 10; i++) {
            consumer.addRecord(record(i, "type" + i, T0));
          }
        }, () -> clock.advance(Duration.ofMinutes(5))),
        idle(30),
        List.of(() -> uploadedBeforeShutdown.add(store.keys(".parquet").size()))));
    assertThat(Collections.max(turns)).as("longest turn between two polls (ms)")
        .isLessThanOrEqualTo(budget.plus(perCall).toMillis());
    assertThat(uploadedBeforeShutdown).as("every file still goes up, a few calls per turn")
        .containsExactly(10);
    assertThat(committed.get(TP)).isEqualTo(10);
  }

  @Test
  void aRevokedPartitionsUploadInFlightIsAbortedItsFilesDroppedAndNothingOfItCommitted()
      throws Exception {
    newConsumer(List.of(TP, TP1));
    // Parts of 1KB, 400ms a call, a 1s budget: partition 0's file goes up over many turns.
    store.partSize(1024).slow(clock, Duration.ofMillis(400));
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE, Duration.ofSeconds(1));
    LoaderLoop loop = loop(props, FaultInjection.NONE);
    List<Object> atRevocation = new ArrayList<>();
    int[] logAtRevocation = {0};
    runOnTwo(loop, steps(
        idle(4), // both recovered
        List.of(() -> {
          for (int i = 0; i < 200; i++) {
            consumer.addRecord(record(0, i, "page_view", T0));
          }
        }, () -> clock.advance(Duration.ofMinutes(5))), // closes partition 0's file
        idle(2),
        List.of(() -> {
          for (int i = 0; i < 5; i++) {
            consumer.addRecord(record(1, i, "click", T0.plusSeconds(400)));
          }
        }, () -> {
          atRevocation.add(List.copyOf(store.openUploads.values()));
          atRevocation.add(store.keys(".parquet").stream().anyMatch(k -> k.contains("-p0-")));
          logAtRevocation[0] = store.log.size();
          consumer.rebalance(List.of(TP1)); // partition 0 goes to another consumer
        }),
        idle(5),
        List.of(() -> clock.advance(Duration.ofMinutes(6))), // closes partition 1's file
        idle(10)));
    String p0Key = "events/event_type=page_view/dt=2026-11-20/hour=10/"
        + "enriched-p0-o0000000000000000000-0000000000000000199.parquet";
    assertThat(atRevocation.get(0)).as("partition 0's multipart upload in flight at revocation")
        .isEqualTo(List.of(p0Key));
    assertThat(atRevocation.get(1)).isEqualTo(false);
    assertThat(store.aborted).containsExactly(p0Key);
    assertThat(store.openUploads).isEmpty();
    assertThat(store.keys(".parquet")).noneMatch(k -> k.contains("-p0-"));
    assertThat(store.log.subList(logAtRevocation[0], store.log.size()))
        .filteredOn(call -> call.contains("-p0-") || call.contains("/p0/"))
        .as("after the revocation, partition 0 only sees its upload aborted")
        .containsExactly("abort " + p0Key);
    assertThat(committed).as("no commit for the revoked partition").doesNotContainKey(TP);
    assertThat(committed.get(TP1)).isEqualTo(5);
    assertThat(eventIdsInStore()).containsExactlyInAnyOrder("id-1-0", "id-1-1", "id-1-2",
        "id-1-3", "id-1-4");
  }

  @Test
  void aZombiesLateUploadLandsOnTheNewOwnersObjectNotBesideIt() throws Exception {
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE);
    // The old owner's data upload "times out" but the store applies it later: after the new owner
    // has recovered and written the partition.
    boolean[] oldOwner = {true};
    store.timeOutUploadsOf(key -> oldOwner[0] && key.endsWith(".parquet"));
    LoaderLoop zombie = loop(props, FaultInjection.NONE);
    consumer.schedulePollTask(() -> consumer.rebalance(List.of(TP)));
    consumer.schedulePollTask(() -> {});
    consumer.schedulePollTask(() -> {
      for (int i = 0; i < 3; i++) {
        consumer.addRecord(record(i, "page_view", T0));
      }
    });
    consumer.schedulePollTask(() -> clock.advance(Duration.ofMinutes(5))); // [0..2] closes
    consumer.schedulePollTask(() -> {
      throw new FaultInjection.Crash("the old owner loses its partition");
    });
    zombie.run();
    ObjectNames names = new ObjectNames("events");
    assertThat(store.objects).containsKey(names.receiptKey("enriched", 0, 0, 2));
    assertThat(store.keys(".parquet")).isEmpty();
    assertThat(committed).isEmpty();

    // The new owner reads all six records in one go: left alone it would write one file [0..5].
    oldOwner[0] = false;
    newConsumer();
    LoaderLoop owner = loop(props, FaultInjection.NONE);
    run(owner, List.of(() -> {
      for (int i = 0; i < 6; i++) {
        consumer.addRecord(record(i, "page_view", T0.plusSeconds(i)));
      }
    }));
    store.applyLateWrites();

    String dir = "events/event_type=page_view/dt=2026-11-20/hour=10/";
    assertThat(store.keys(".parquet")).containsExactlyInAnyOrder(
        dir + "enriched-p0-o0000000000000000000-0000000000000000002.parquet",
        dir + "enriched-p0-o0000000000000000003-0000000000000000005.parquet");
    assertThat(eventIdsInStore()).hasSize(6).doesNotHaveDuplicates();
    assertThat(committed.get(TP)).isEqualTo(6);
    assertThat(Destination.parse(store.keys(".parquet").get(0))).isNotNull();
  }

  // ---- dead letters --------------------------------------------------------------------------

  @Test
  void aDeadLetterTheTopicRefusesStopsItsPartitionThereIsNotSentAgainAndOthersGoOn()
      throws Exception {
    newConsumer(List.of(TP, TP1));
    producer = new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE);
    LoaderLoop loop = loop(props, FaultInjection.NONE);
    List<Object> seen = new ArrayList<>();
    runOnTwo(loop, steps(
        idle(1),
        List.of(() -> {
          consumer.addRecord(record(0, 0, "page_view", T0));
          consumer.addRecord(garbage(0, 1));
          consumer.addRecord(record(0, 2, "page_view", T0));
          for (int i = 0; i < 3; i++) {
            consumer.addRecord(record(1, i, "click", T0));
          }
        }, () -> producer.errorNext(new RecordTooLargeException("the dead letter is too large"))),
        idle(3),
        List.of(() -> clock.advance(Duration.ofMinutes(5))), // every file closes
        idle(5),
        List.of(() -> clock.advance(Duration.ofMinutes(5))),
        idle(5),
        List.of(() -> {
          seen.add(committed.get(TP1));
          seen.add(consumer.paused().contains(TP));
          seen.add(loop.failure());
          seen.add(producer.history().size());
        })));
    assertThat(seen.get(0)).as("partition 1 commits as usual").isEqualTo(3L);
    assertThat(seen.get(1)).as("partition 0 no longer read").isEqualTo(true);
    assertThat((String) seen.get(2)).contains("topic enriched partition 0 stopped at offset 1",
        "RecordTooLargeException");
    assertThat(seen.get(3)).as("sent once, never again").isEqualTo(1);
    assertThat(producer.history()).hasSize(1);
    assertThat(committed.get(TP)).as("partition 0 committed up to the refused record, not past it")
        .isEqualTo(1);
    assertThat(eventIdsInStore()).contains("id-0", "id-1-0", "id-1-1", "id-1-2");
  }

  /** A producer whose broker never answers: sends stay in flight and flush() never returns. */
  private static final class HungProducer extends MockProducer<String, byte[]> {
    HungProducer() {
      super(false, null, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public synchronized void flush() {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aDeadLetterNeverAcknowledgedTimesOutIsSentAgainAndHoldsOnlyItsPartition()
      throws Exception {
    newConsumer(List.of(TP, TP1));
    HungProducer hung = new HungProducer();
    producer = hung;
    BatchProperties props = TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE);
    LoaderLoop loop = loop(props, FaultInjection.NONE);
    List<Object> seen = new ArrayList<>();
    runOnTwo(loop, steps(
        idle(1),
        List.of(() -> {
          consumer.addRecord(garbage(0, 0));
          consumer.addRecord(record(0, 1, "page_view", T0));
          consumer.addRecord(record(1, 0, "click", T0));
        }, () -> clock.advance(Duration.ofMinutes(5))),
        idle(3),
        List.of(() -> {
          seen.add(committed.get(TP1));
          seen.add(committed.get(TP));
          seen.add(hung.history().size());
          clock.advance(props.deadLetterTimeout());
        }),
        idle(2),
        List.of(() -> clock.advance(Duration.ofSeconds(5))), // past the resend backoff
        idle(2),
        List.of(() -> {
          seen.add(hung.history().size());
          seen.add(loop.unhealthy());
          seen.add(committed.get(TP));
          while (hung.completeNext()) {
            // the broker answers at last
          }
        }),
        idle(3),
        List.of(() -> seen.add(committed.get(TP)))));
    assertThat(seen.get(0)).as("partition 1 is not held by partition 0's dead letter").isEqualTo(1L);
    assertThat(seen.get(1)).as("partition 0 waits for its dead letter").isNull();
    assertThat(seen.get(2)).isEqualTo(1);
    assertThat(seen.get(3)).as("sent again after dead-letter-timeout").isEqualTo(2);
    assertThat((String) seen.get(4)).contains("not acknowledged within");
    assertThat(seen.get(5)).isNull();
    assertThat(seen.get(6)).as("acknowledged: partition 0 commits").isEqualTo(2L);
    assertThat(loop.failure()).isNull();
  }
}
