package dev.millrace.realtime.consume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.proto.WireNames;
import dev.millrace.realtime.Events;
import dev.millrace.realtime.config.RealtimeProperties.TimeField;
import dev.millrace.realtime.index.DocumentMapper;
import dev.millrace.realtime.index.LoaderDocument;
import dev.millrace.realtime.ops.LoaderHealthIndicator;
import dev.millrace.realtime.ops.LoaderMetrics;
import dev.millrace.realtime.privacy.DeadLetterPrivacy;
import dev.millrace.realtime.sink.BulkClient;
import dev.millrace.realtime.sink.BulkSink;
import dev.millrace.realtime.sink.ItemResult;
import dev.millrace.retry.Backoff;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import tools.jackson.databind.json.JsonMapper;

/**
 * The loop against Kafka's MockConsumer and a fake Elasticsearch that answers only when the test
 * lets it: offsets move only after the data is stored, and a backed-up sink pauses fetching.
 */
class LoaderLoopTest {

  static final TopicPartition TP = new TopicPartition(WireNames.ENRICHED_TOPIC, 0);

  /** Remembers commits, which MockConsumer forgets once closed. */
  static final class RecordingConsumer extends MockConsumer<String, byte[]> {
    final Map<TopicPartition, OffsetAndMetadata> commits = new java.util.concurrent.ConcurrentHashMap<>();

    RecordingConsumer() {
      super("earliest");
    }

    @Override
    public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
      super.commitSync(offsets);
      commits.putAll(offsets);
    }

    @Override
    public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                         org.apache.kafka.clients.consumer.OffsetCommitCallback callback) {
      super.commitAsync(offsets, callback);
      commits.putAll(offsets);
    }
  }

  final RecordingConsumer consumer = new RecordingConsumer();
  final Semaphore answers = new Semaphore(0);
  final List<List<LoaderDocument>> stored = new CopyOnWriteArrayList<>();
  final Semaphore storedSignal = new Semaphore(0);
  final BulkClient gatedElasticsearch = docs -> {
    try {
      answers.acquire();
    } catch (InterruptedException e) {
      throw new java.io.InterruptedIOException();
    }
    stored.add(docs);
    storedSignal.release();
    return docs.stream().map(d -> ItemResult.ok(201)).toList();
  };
  final DocumentMapper mapper = new DocumentMapper(Events.indexSettings(TimeField.RECEIVED_AT), JsonMapper.builder().build());
  final LoaderMetrics metrics = new LoaderMetrics(new SimpleMeterRegistry());
  final BulkSink sink = new BulkSink(gatedElasticsearch, mapper,
      new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), () -> 0.0), d -> { }, metrics, 1);
  long now;
  LoaderLoop loop;

  LoaderLoop loop(int maxActions, Duration linger) {
    return new LoaderLoop(consumer, List.of(WireNames.ENRICHED_TOPIC), new RecordDecoder(WireNames.ENRICHED_TOPIC, mapper),
        sink, maxActions, 5_000_000, linger, 1, Duration.ZERO, Duration.ofSeconds(5), metrics, () -> now);
  }

  @BeforeEach
  void assign() {
    consumer.updateBeginningOffsets(Map.of(TP, 0L));
  }

  @AfterEach
  void close() {
    answers.release(100);
    sink.close();
  }

  void start(LoaderLoop l) {
    loop = l;
    loop.subscribe();
    consumer.rebalance(List.of(TP));
  }

  void produce(int from, int to) {
    for (int n = from; n < to; n++) {
      consumer.addRecord(new ConsumerRecord<>(TP.topic(), 0, n, "k", Events.enriched(n).toByteArray()));
    }
  }

  Long committed() {
    OffsetAndMetadata o = consumer.commits.get(TP);
    return o == null ? null : o.offset();
  }

  void awaitStored(int bulks) throws InterruptedException {
    assertThat(storedSignal.tryAcquire(bulks, 10, TimeUnit.SECONDS)).as("bulk answered").isTrue();
  }

  @Test
  void offsetsAreCommittedOnlyOnceTheBatchIsStored() throws Exception {
    start(loop(3, Duration.ofHours(1)));
    produce(0, 3);

    loop.pollOnce();
    assertThat(committed()).as("nothing committed while the bulk is outstanding").isNull();

    answers.release();
    awaitStored(1);
    Thread.sleep(50); // the sink thread completes its future right after answering
    loop.pollOnce();

    assertThat(stored.get(0)).extracting(LoaderDocument::id)
        .containsExactly(Events.eventId(0), Events.eventId(1), Events.eventId(2));
    assertThat(committed()).isEqualTo(3L);
  }

  @Test
  void whenBulksBackUpFetchingPausesAndResumesOnceElasticsearchAnswers() throws Exception {
    start(loop(2, Duration.ofHours(1)));
    produce(0, 2);
    loop.pollOnce(); // batch 1 in flight, the only slot
    produce(2, 4);
    loop.pollOnce(); // batch 2 full, no slot

    assertThat(consumer.paused()).containsExactly(TP);
    produce(4, 6);
    loop.pollOnce();
    assertThat(committed()).isNull();

    answers.release();
    awaitStored(1);
    Thread.sleep(50);
    loop.pollOnce(); // commits batch 1, sends batch 2, resumes

    assertThat(committed()).isEqualTo(2L);
    assertThat(consumer.paused()).isEmpty();
  }

  @Test
  void aBatchIsSentWhenItHasLingeredLongEnough() throws Exception {
    start(loop(1000, Duration.ofMillis(500)));
    produce(0, 1);
    loop.pollOnce();
    answers.release();
    assertThat(storedSignal.tryAcquire(200, TimeUnit.MILLISECONDS)).as("not sent before the linger").isFalse();

    now += Duration.ofMillis(500).toNanos();
    loop.pollOnce();

    awaitStored(1);
  }

  @Test
  void aGracefulStopWritesAndCommitsTheLastBatch() throws Exception {
    start(loop(1000, Duration.ofHours(1)));
    produce(0, 5);
    loop.pollOnce();
    answers.release();

    loop.finish();

    assertThat(stored).hasSize(1);
    assertThat(stored.get(0)).hasSize(5);
    assertThat(committed()).isEqualTo(5L);
    assertThat(consumer.closed()).isTrue();
  }

  @Test
  void aStopWhileElasticsearchIsDownCommitsNothing() throws Exception {
    LoaderLoop l = new LoaderLoop(consumer, List.of(WireNames.ENRICHED_TOPIC),
        new RecordDecoder(WireNames.ENRICHED_TOPIC, mapper), sink, 1000, 5_000_000, Duration.ofHours(1), 1,
        Duration.ZERO, Duration.ofMillis(200), metrics, () -> now);
    start(l);
    produce(0, 5);
    loop.pollOnce();

    loop.finish();

    assertThat(stored).isEmpty();
    assertThat(committed()).isNull();
  }

  @Test
  void aRevocationWhileElasticsearchIsDownCommitsNothingAndRereadsWhatIsStillOwned() throws Exception {
    TopicPartition other = new TopicPartition(WireNames.ENRICHED_TOPIC, 1);
    consumer.updateBeginningOffsets(Map.of(TP, 0L, other, 0L));
    LoaderLoop l = new LoaderLoop(consumer, List.of(WireNames.ENRICHED_TOPIC),
        new RecordDecoder(WireNames.ENRICHED_TOPIC, mapper), sink, 1000, 5_000_000, Duration.ZERO, 1,
        Duration.ZERO, Duration.ofMillis(200), metrics, () -> now);
    loop = l;
    loop.subscribe();
    consumer.rebalance(List.of(TP, other));
    produce(0, 3);
    consumer.addRecord(new ConsumerRecord<>(other.topic(), 1, 0, "k", Events.enriched(100).toByteArray()));
    loop.pollOnce(); // one bulk of 4, stuck
    assertThat(consumer.position(TP)).isEqualTo(3);

    consumer.rebalance(List.of(TP)); // partition 1 goes to another member

    assertThat(committed()).as("nothing committed for a bulk that never completed").isNull();
    assertThat(consumer.position(TP)).as("the records of the abandoned bulk are read again").isZero();
  }

  @Test
  void aRecordThatCannotBeStoredAnywhereIsNeverCommittedPastAndTheLoaderSaysSo() throws Exception {
    // Elasticsearch refuses everything made of record 1: the event (400), its dead letter and its
    // minimal dead letter (as a closed dead-letter index would), until it is fixed.
    java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
    BulkClient refusingRecordOne = docs -> docs.stream()
        .map(d -> broken.get() && d.origin().offset() == 1 ? new ItemResult(400, "index_closed_exception: closed")
            : ItemResult.ok(201))
        .toList();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LoaderMetrics watched = new LoaderMetrics(registry);
    BulkSink refusingSink = new BulkSink(refusingRecordOne, mapper,
        new Backoff(Duration.ofMillis(1), Duration.ofMillis(2), () -> 0.0), d -> Thread.sleep(d.toMillis()),
        watched, 1);
    LoaderHealthIndicator health = new LoaderHealthIndicator(
        new LoaderRunner(() -> { }, () -> null, new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), () -> 0.0),
            Duration.ofSeconds(1)),
        watched.status(), DeadLetterPrivacy.withholdEverything());
    try {
      start(new LoaderLoop(consumer, List.of(WireNames.ENRICHED_TOPIC), new RecordDecoder(WireNames.ENRICHED_TOPIC, mapper),
          refusingSink, 3, 5_000_000, Duration.ofHours(1), 1, Duration.ZERO, Duration.ofSeconds(5), watched, () -> now));
      produce(0, 3);
      loop.pollOnce(); // one bulk of records 0, 1, 2
      produce(3, 6);
      for (int i = 0; i < 20; i++) {
        loop.pollOnce();
        Thread.sleep(10);
      }

      assertThat(committed()).as("no offset is committed past the record that is stored nowhere").isNull();
      assertThat(consumer.paused()).as("fetching paused behind it").containsExactly(TP);
      assertThat(registry.get("millrace.realtime.blocked.records").gauge().value()).isEqualTo(1);
      assertThat(registry.get("millrace.realtime.fallback.refusals").counter().count()).isPositive();
      Health down = health.health(true);
      assertThat(down.getStatus()).isEqualTo(Status.DOWN);
      assertThat(down.getDetails()).containsEntry("record", TP.topic() + "/0@1 event " + Events.eventId(1));

      broken.set(false); // the index is fixed
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while ((committed() == null || committed() < 6) && System.nanoTime() < deadline) {
        loop.pollOnce();
        Thread.sleep(10);
      }
      assertThat(committed()).isEqualTo(6L);
      assertThat(registry.get("millrace.realtime.blocked.records").gauge().value()).isZero();
      assertThat(health.health(true).getDetails()).doesNotContainKey("record");
    } finally {
      refusingSink.close();
    }
  }

  @Test
  void anIdlePartitionsCommittedOffsetFollowsThePositionPastTransactionMarkers() throws Exception {
    start(loop(3, Duration.ZERO));
    produce(0, 3);
    loop.pollOnce();
    answers.release();
    awaitStored(1);
    Thread.sleep(50);
    loop.pollOnce();
    assertThat(committed()).isEqualTo(3L);

    // A read_committed consumer steps over the commit marker at offset 3 without returning a record.
    consumer.seek(TP, 4);
    loop.pollOnce();

    assertThat(committed()).as("the marker is not left as lag").isEqualTo(4L);
  }

  @Test
  void aPartitionWithRecordsInFlightIsNotMovedToItsPosition() throws Exception {
    start(loop(3, Duration.ZERO));
    produce(0, 3);
    loop.pollOnce(); // in flight, not answered
    loop.pollOnce();
    loop.pollOnce();

    assertThat(committed()).isNull();
  }
}
