package dev.millrace.batch.consume;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.config.BatchProperties.PartitionBy;
import dev.millrace.batch.marker.MarkerWriter;
import dev.millrace.batch.parquet.WireEvent;
import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.store.ObjectStore;
import dev.millrace.retry.Backoff;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loader: one thread that polls the enriched topic and hands each record to the open file of
 * its destination, then, each turn, has its parts do the rest, in this order:
 *
 * <ol>
 *   <li>{@link DeadLetterSender}: settle the dead letters in flight;
 *   <li>{@link RecoveryOnAssignment}: read what newly assigned partitions already have in the store;
 *   <li>{@link OpenFiles}: close files by age and complete hour (the rotation rules, the open-file
 *       cap, the end a previous owner's receipt gives);
 *   <li>{@link Uploader}: abort abandoned multipart uploads, upload closed files;
 *   <li>{@link DeadLetterSender}: send again what failed;
 *   <li>{@link OffsetCommitter}: commit what is safe (the exactly-once step);
 *   <li>{@link BackPressure}: pause or resume partitions;
 *   <li>{@link MarkerDriver}: publish watermarks and write completeness markers;
 *   <li>{@link GaugeShare}: report the gauges.
 * </ol>
 *
 * <p>It never blocks on the store: while uploads fail it pauses every partition and keeps polling
 * (so it stays in the consumer group), retrying at backoff times ({@link StoreHealth}). Nothing is
 * committed past a record that is not in the store, and nothing is dropped: closed files wait on
 * local disk.
 *
 * <p>Each turn (one poll and what follows) has a budget, {@code turn-budget} ({@link TurnBudget}):
 * no store call and no dead-letter send starts once it is spent, and each ends within its own
 * timeout, so a slow store delays the next poll by at most the budget plus one call. A file goes up
 * one call at a time (receipt, then the data in one request or as a multipart upload part by part),
 * so a large file on a slow store spans several turns, with polls between. Since no write starts
 * more than the budget after a poll, and start-up checks that budget and timeouts end well within
 * {@code max.poll.interval.ms}, the loop cannot be dropped from the group for polling too rarely
 * and go on writing a partition that another consumer has been given; a revoked or lost
 * partition's files are dropped at the poll that tells, its multipart upload aborted and nothing
 * committed for it afterwards.
 */
public final class LoaderLoop implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(LoaderLoop.class);

  private final BatchProperties props;
  private final Consumer<String, byte[]> consumer;
  private final Clock clock;
  private final LoaderMetrics metrics;
  private final TurnBudget turn;
  private final StoreHealth storeHealth;
  private final Map<TopicPartition, PartitionState> states = new HashMap<>();
  private final Uploader uploader;
  private final OpenFiles files;
  private final OffsetCommitter committer;
  private final RecoveryOnAssignment recovery;
  private final DeadLetterSender deadLetters;
  private final MarkerDriver markers;
  private final GaugeShare gauges;
  private final int maxOpenFiles;
  /**
   * Counted down by each loop of the instance once it is done committing (or has crashed); a loop
   * leaves the group only when all have. A loop that left first would move its partitions, and
   * the siblings' final commits would then fail on the rebalance (their records re-read, and
   * skipped, by the next owner). Null for a lone loop.
   */
  private final CountDownLatch leaving;
  private boolean countedOut;
  /** Partitions sent back to a record's offset in this poll because they are not recovered yet. */
  private final Set<TopicPartition> rewound = new HashSet<>();
  /** The record being handled, read in place from its bytes; reused record after record. */
  private final WireEvent event = new WireEvent();
  private volatile boolean running = true;
  private volatile boolean alive;

  /** A loop that is the instance's only one: the whole spill directory and open-file cap. */
  public LoaderLoop(BatchProperties props, Consumer<String, byte[]> consumer,
                    Producer<String, byte[]> deadLetters, ObjectStore store, Clock clock,
                    LoaderMetrics metrics, FaultInjection faults) {
    this(props, props.spillDir(), props.maxOpenFiles(), consumer, deadLetters, store, clock, metrics,
        faults, null);
  }

  /**
   * A loop with its own spill directory (cleared at start) and its share of the open-file cap, for
   * instances that run several loops, each with its own consumer in the group.
   *
   * @param leaving shared by the instance's loops, counting them (see {@link #leaving}); or null
   */
  public LoaderLoop(BatchProperties props, Path spillDir, int maxOpenFiles,
                    Consumer<String, byte[]> consumer, Producer<String, byte[]> deadLetters,
                    ObjectStore store, Clock clock, LoaderMetrics metrics, FaultInjection faults,
                    CountDownLatch leaving) {
    this.props = props;
    this.leaving = leaving;
    this.maxOpenFiles = maxOpenFiles;
    this.consumer = consumer;
    this.clock = clock;
    this.metrics = metrics;
    ObjectNames names = new ObjectNames(props.s3().prefix());
    Backoff backoff = Backoff.jittered(props.retry().initialBackoff(), props.retry().maxBackoff());
    this.turn = new TurnBudget(clock, props.turnBudget());
    this.storeHealth = new StoreHealth(backoff.tracker(clock), turn, metrics);
    this.uploader = new Uploader(store, names, storeHealth, metrics, faults, states);
    this.files = new OpenFiles(props, spillDir, maxOpenFiles, states, uploader, metrics);
    this.committer = new OffsetCommitter(consumer, states, store, storeHealth, faults);
    MarkerWriter markerWriter = new MarkerWriter(store, names, props.topic(), props.marker().grace());
    this.recovery = new RecoveryOnAssignment(consumer, states, store, names, markerWriter,
        storeHealth, turn);
    this.deadLetters = new DeadLetterSender(props, deadLetters, clock, backoff.tracker(clock), turn,
        metrics, states);
    this.markers = new MarkerDriver(props, consumer, markerWriter, states, storeHealth, turn,
        metrics);
    this.gauges = new GaugeShare(metrics);
  }

  /**
   * Asks the loop to stop; it flushes what it holds first (graceful shutdown). The loop sees the
   * request within one {@code poll-timeout}. It does not wake the consumer: a wake-up lands on
   * whichever consumer call comes next, and a commit it breaks would leave uploaded records to be
   * re-read (and skipped) by the next owner.
   */
  public void stop() {
    running = false;
  }

  /** True while the loop runs. */
  public boolean alive() {
    return alive;
  }

  /** Why the loader is not ready for now (the store or the dead-letter topic failing), or null. */
  public String unhealthy() {
    String store = storeHealth.trouble();
    return store != null ? store : deadLetters.trouble();
  }

  /**
   * Why the loader is down while it runs: a partition stopped on a dead letter its topic refused
   * for good, naming topic, partition and offset. It needs an operator (and a restart once the
   * cause is fixed), not a retry. Null when every partition runs.
   */
  public String failure() {
    return deadLetters.failure();
  }

  @Override
  public void run() {
    alive = true;
    boolean crashed = false;
    try {
      files.clearSpillDirectory();
      consumer.subscribe(List.of(props.topic()), new Rebalance());
      while (running) {
        ConsumerRecords<String, byte[]> records = consumer.poll(props.pollTimeout());
        turn.start();
        rewound.clear();
        for (ConsumerRecord<String, byte[]> record : records) {
          handle(record);
        }
        tick();
      }
      shutdown();
    } catch (FaultInjection.Crash e) {
      crashed = true;
      log.warn("loader killed by fault injection: {}", e.getMessage());
    } catch (IOException | RuntimeException e) {
      crashed = true;
      log.error("loader stopped on an unexpected error; uncommitted records will be re-read", e);
    } finally {
      if (crashed) {
        doneWithPartitions();
        discardAllAndLeaveGroup();
      }
      gauges.report(0, 0, 0, 0);
      alive = false;
    }
  }

  /** Everything a loop turn does besides handling records. */
  private void tick() throws IOException {
    long now = clock.millis();
    deadLetters.settle(now);
    recovery.recoverAssigned();
    files.rotateByTime(now);
    uploader.abortAbandoned();
    uploader.upload();
    deadLetters.resend();
    committer.commit();
    BackPressure.decide(states.values(), storeHealth.failing(), uploader.size(), maxOpenFiles)
        .applyTo(consumer);
    markers.maybeWriteMarkers(now);
    gauges.update(consumer, states.values(), files.count(), uploader.size());
  }

  // ---- records -------------------------------------------------------------------------------

  private void handle(ConsumerRecord<String, byte[]> record) throws IOException {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    PartitionState st = states.get(tp);
    if (st == null || st.stopped != null || (st.recovered && record.offset() < st.nextOffset)) {
      return; // not ours (revoked meanwhile), stopped, or already handled
    }
    if (!st.recovered) {
      // A fetch that raced the pause: go back to this record, so recovery starts from it.
      if (rewound.add(tp)) {
        consumer.seek(tp, record.offset());
      }
      return;
    }
    long now = clock.millis();
    try {
      event.parse(record.value() == null ? new byte[0] : record.value());
      if (!event.hasRawEvent()) {
        throw new InvalidProtocolBufferException("no raw event");
      }
    } catch (InvalidProtocolBufferException e) {
      // Bad data: never retried, never a crash; it goes to the dead-letter topic with its reason.
      deadLetters.deadLetter(st, record, "not an EnrichedEvent: " + e.getMessage());
      st.nextOffset = record.offset() + 1;
      return;
    }
    long time = partitionTime(record.timestamp());
    Destination destination = Destination.of(event.eventType(), time);
    st.observe(time, now);
    if (st.alreadyStored != null) {
      if (st.alreadyStored.contains(destination, record.offset())) {
        metrics.skipped.increment();
        st.nextOffset = record.offset() + 1;
        return;
      }
      if (record.offset() > st.alreadyStored.maxLast()) {
        st.alreadyStored = null;
      }
    }
    files.append(st, destination, event, record, now);
  }

  private long partitionTime(long kafkaTimestamp) {
    // The Kafka timestamp is a deterministic stand-in when the event lacks the field, so a
    // re-read after a restart still routes the record to the same hour.
    return props.partitionBy() == PartitionBy.RECEIVED_AT
        ? event.receivedAtMillis(kafkaTimestamp)
        : event.occurredAtMillis(kafkaTimestamp);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /**
   * Graceful shutdown: close every file, upload, commit; then leave the group. It goes on polling
   * (every partition paused), so it stays in the group under the same turn budget, and a partition
   * revoked meanwhile is dropped as at any other time.
   */
  private void shutdown() throws IOException {
    files.closeAllForShutdown();
    long deadline = clock.millis() + props.shutdownTimeout().toMillis();
    // Also on the monotonic clock, so a stopped test clock cannot hold a shutdown for ever.
    long deadlineNanos = System.nanoTime() + props.shutdownTimeout().toNanos();
    while ((!uploader.isEmpty() || deadLetters.awaiting()) && clock.millis() < deadline
        && System.nanoTime() < deadlineNanos) {
      consumer.pause(consumer.assignment());
      consumer.poll(props.pollTimeout()); // paused: no records, only rebalance callbacks
      turn.start(deadline);
      deadLetters.settle(clock.millis());
      uploader.abortAbandoned();
      uploader.upload();
      deadLetters.resend();
      committer.commit();
    }
    committer.commit();
    if (!uploader.isEmpty()) {
      log.warn("shutdown: {} files not uploaded in {}; their records will be re-read",
          uploader.size(), props.shutdownTimeout());
      uploader.giveUpInFlight();
    }
    turn.start();
    uploader.abortAbandoned();
    doneWithPartitions();
    if (leaving != null) {
      try {
        if (!leaving.await(props.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("shutdown: other loader threads still busy after {}; leaving the group anyway",
              props.shutdownTimeout());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    discardAllAndLeaveGroup();
  }

  /**
   * Tells the instance's other loops that this one is done with its partitions (committed what it
   * could, or crashed): counted once. The last one to be done lets them all leave the group.
   */
  private void doneWithPartitions() {
    if (leaving != null && !countedOut) {
      countedOut = true;
      leaving.countDown();
    }
  }

  /**
   * Discards every file still held (their records are re-read by the next owner) and closes the
   * consumer, which leaves the group.
   */
  private void discardAllAndLeaveGroup() {
    uploader.discardAll();
    files.discardAll();
    states.clear();
    try {
      consumer.close();
    } catch (RuntimeException e) {
      log.debug("consumer close failed", e);
    }
  }

  /** Keeps per-partition state in step with the group's assignment. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      long now = clock.millis();
      for (TopicPartition tp : partitions) {
        states.putIfAbsent(tp, new PartitionState(tp, now));
      }
      // Nothing is read from a partition before the store has told us what it already holds.
      consumer.pause(partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      committer.commit();
      drop(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    /**
     * Files of a partition we no longer own are discarded, not uploaded: the new owner re-reads
     * from the committed offset, and uploading now could race with it. A multipart upload in
     * progress is aborted (at the next turn's store work); its dead letters are left to the
     * producer, and nothing is committed for the partition any more.
     */
    private void drop(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        PartitionState st = states.remove(tp);
        if (st == null) {
          continue;
        }
        files.discard(st);
        uploader.drop(st);
        log.info("dropped {}: {} open and {} closed files, to be written by its new owner", tp,
            st.open.size(), st.pending.size());
      }
      deadLetters.updateFailure();
    }
  }
}
