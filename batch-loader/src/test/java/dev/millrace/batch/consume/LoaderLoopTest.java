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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.parquet.example.data.Group;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop against Kafka's MockConsumer and an in-memory store: the network edges faked. */
class LoaderLoopTest {

  private static final TopicPartition TP = new TopicPartition("enriched", 0);
  private static final Instant T0 = Instant.parse("2026-11-20T10:05:00Z");

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(T0);
  private final MemoryStore store = new MemoryStore();
  private MockConsumer<String, byte[]> consumer;
  private MockProducer<String, byte[]> producer;
  private final Map<TopicPartition, Long> committedBefore = new HashMap<>();
  /** Offsets committed by the loop, kept after the consumer is closed. */
  private final Map<TopicPartition, Long> committed = new HashMap<>();

  @BeforeEach
  void setUp() {
    newConsumer();
  }

  private void newConsumer() {
    consumer = new MockConsumer<>("earliest") {
      @Override
      public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        super.commitSync(offsets);
        offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
      }
    };
    consumer.updatePartitions("enriched",
        List.of(new PartitionInfo("enriched", 0, null, null, null)));
    consumer.updateBeginningOffsets(Map.of(TP, 0L));
    consumer.updateEndOffsets(Map.of(TP, 0L));
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
    return new ConsumerRecord<>("enriched", 0, offset, "k",
        Events.enriched("id-" + offset, type, receivedAt).toByteArray());
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
}
