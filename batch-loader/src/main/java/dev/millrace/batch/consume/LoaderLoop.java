package dev.millrace.batch.consume;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.config.BatchProperties.PartitionBy;
import dev.millrace.batch.marker.MarkerWriter;
import dev.millrace.batch.parquet.SpillFile;
import dev.millrace.batch.parquet.WireEvent;
import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.partition.RotationPolicy;
import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.store.ObjectStore;
import dev.millrace.batch.store.Recovery;
import dev.millrace.proto.DeadLetters;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.retry.Backoff;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loader: one thread that polls the enriched topic, appends each record to the open file of its
 * destination, closes files by the rotation rules, uploads them, commits offsets and writes markers.
 *
 * <p>It never blocks on the store: while uploads fail it pauses every partition and keeps polling
 * (so it stays in the consumer group), retrying at backoff times. Nothing is committed past a record
 * that is not in the store, and nothing is dropped: closed files wait on local disk.
 *
 * <p>Each turn (one poll and what follows) has a budget, {@code turn-budget}: no store call and no
 * dead-letter send starts once it is spent, and each ends within its own timeout, so a slow store
 * delays the next poll by at most the budget plus one call. A file goes up one call at a time
 * (receipt, then the data in one request or as a multipart upload part by part), so a large file on
 * a slow store spans several turns, with polls between. Since no write starts more than the budget
 * after a poll, and start-up checks that budget and timeouts end well within
 * {@code max.poll.interval.ms}, the loop cannot be dropped from the group for polling too rarely
 * and go on writing a partition that another consumer has been given; a revoked or lost
 * partition's files are dropped at the poll that tells, its multipart upload aborted and nothing
 * committed for it afterwards.
 */
public final class LoaderLoop implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(LoaderLoop.class);

  private final BatchProperties props;
  private final Consumer<String, byte[]> consumer;
  private final Producer<String, byte[]> deadLetters;
  private final ObjectStore store;
  private final ObjectNames names;
  private final Clock clock;
  private final LoaderMetrics metrics;
  private final FaultInjection faults;
  private final RotationPolicy rotation;
  private final MarkerWriter markers;
  private final Backoff.Tracker storeBackoff;
  private final Backoff.Tracker deadLetterBackoff;
  private final long turnBudgetMillis;
  private final long deadLetterTimeoutMillis;
  /** No store call or dead-letter send starts at or after this (clock millis). */
  private long turnEndsAtMillis = Long.MAX_VALUE;
  /**
   * Multipart uploads this loop gave up (partition revoked, completion failed, shutdown): aborted
   * at the next turns so their parts do not linger; aborting only ever touches our own upload id.
   */
  private final Deque<Abandoned> abandonedUploads = new ArrayDeque<>();
  private final Map<TopicPartition, PartitionState> states = new HashMap<>();
  /** Closed files in the order they were closed; uploaded in that order. */
  private final Deque<OpenFile> uploads = new ArrayDeque<>();
  private final long idleAfterMillis;
  private final Path spillDir;
  private final int maxOpenFiles;
  /**
   * Counted down by each loop of the instance once it is done committing (or has crashed); a loop
   * leaves the group only when all have. A loop that left first would move its partitions, and
   * the siblings' final commits would then fail on the rebalance (their records re-read, and
   * skipped, by the next owner). Null for a lone loop.
   */
  private final CountDownLatch leaving;
  private boolean arrived;
  /** Partitions sent back to a record's offset in this poll because they are not recovered yet. */
  private final Set<TopicPartition> rewound = new HashSet<>();
  /** The record being handled, read in place from its bytes; reused record after record. */
  private final WireEvent event = new WireEvent();
  private long nextMarkerCheckMillis;
  private int openFiles;
  /** What this loop last added to the instance-wide gauges (several loops may share them). */
  private long reportedOpenFiles;
  private long reportedPendingUploads;
  private long reportedLag;
  private long reportedStopped;
  private volatile boolean running = true;
  private volatile boolean alive;
  private volatile String storeTrouble;
  private volatile String deadLetterTrouble;
  private volatile String failure;

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
    this.spillDir = spillDir;
    this.maxOpenFiles = maxOpenFiles;
    this.consumer = consumer;
    this.deadLetters = deadLetters;
    this.store = store;
    this.names = new ObjectNames(props.s3().prefix());
    this.clock = clock;
    this.metrics = metrics;
    this.faults = faults;
    this.rotation = new RotationPolicy(props.rotation().maxRecords(),
        props.rotation().maxBytes().toBytes(), props.rotation().interval(), props.marker().grace());
    this.markers = new MarkerWriter(store, names, props.topic(), props.marker().grace());
    Backoff backoff = Backoff.jittered(props.retry().initialBackoff(), props.retry().maxBackoff());
    this.storeBackoff = backoff.tracker(clock);
    this.deadLetterBackoff = backoff.tracker(clock);
    this.turnBudgetMillis = props.turnBudget().toMillis();
    this.deadLetterTimeoutMillis = props.deadLetterTimeout().toMillis();
    this.idleAfterMillis = props.marker().idleAfter().toMillis();
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
    String store = storeTrouble;
    return store != null ? store : deadLetterTrouble;
  }

  /**
   * Why the loader is down while it runs: a partition stopped on a dead letter its topic refused
   * for good, naming topic, partition and offset. It needs an operator (and a restart once the
   * cause is fixed), not a retry. Null when every partition runs.
   */
  public String failure() {
    return failure;
  }

  @Override
  public void run() {
    alive = true;
    boolean crashed = false;
    try {
      clearSpillDirectory();
      consumer.subscribe(List.of(props.topic()), new Rebalance());
      while (running) {
        ConsumerRecords<String, byte[]> records = consumer.poll(props.pollTimeout());
        turnEndsAtMillis = clock.millis() + turnBudgetMillis;
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
        arrive();
        abandon();
      }
      report(0, 0, 0, 0);
      alive = false;
    }
  }

  /** Everything a loop turn does besides handling records. */
  private void tick() throws IOException {
    long now = clock.millis();
    settleDeadLetters(now);
    recoverAssigned();
    rotateByTime(now);
    abortAbandoned();
    upload();
    sendDeadLetters();
    commit();
    pauseOrResume();
    maybeWriteMarkers(now);
    updateGauges(now);
  }

  /** True once this turn's budget is spent: the loop goes back to poll before the next call. */
  private boolean turnOver() {
    return clock.millis() >= turnEndsAtMillis;
  }

  private boolean storeCallAllowed() {
    return storeBackoff.ready() && !turnOver();
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
      deadLetter(st, record, "not an EnrichedEvent: " + e.getMessage());
      st.nextOffset = record.offset() + 1;
      return;
    }
    long time = partitionTime(record.timestamp());
    Destination destination = Destination.of(event.eventType(), time);
    st.observe(time, now);
    if (st.covered != null) {
      if (st.covered.contains(destination, record.offset())) {
        metrics.skipped.increment();
        st.nextOffset = record.offset() + 1;
        return;
      }
      if (record.offset() > st.covered.maxLast()) {
        st.covered = null;
      }
    }
    OpenFile file = st.open.get(destination);
    if (file == null) {
      makeRoom();
      file = open(st, destination, record.offset(), now);
      st.open.put(destination, file);
    }
    file.spill.write(event, record.topic(), record.partition(), record.offset());
    file.lastOffset = record.offset();
    st.nextOffset = record.offset() + 1;
    metrics.rows.increment();
    if (file.mustEndAt >= 0) {
      // The previous owner's file of this range: same end, so the same name and the same records.
      if (record.offset() >= file.mustEndAt) {
        close(st, file, RotationPolicy.Reason.RECEIPT);
      }
      return;
    }
    // The encoded size is a sum over every column writer: checked every 64 records, not each one.
    if ((file.spill.records() & 63) == 0 || file.spill.records() >= props.rotation().maxRecords()) {
      RotationPolicy.Reason reason = rotation.decide(file.spill.records(), file.spill.dataSize(),
          file.openedAtMillis, destination.hourEndMillis(), now, Long.MIN_VALUE);
      if (reason != null) {
        close(st, file, reason);
      }
    }
  }

  private long partitionTime(long kafkaTimestamp) {
    // The Kafka timestamp is a deterministic stand-in when the event lacks the field, so a
    // re-read after a restart still routes the record to the same hour.
    return props.partitionBy() == PartitionBy.RECEIVED_AT
        ? event.receivedAtMillis(kafkaTimestamp)
        : event.occurredAtMillis(kafkaTimestamp);
  }

  private OpenFile open(PartitionState st, Destination destination, long offset, long now)
      throws IOException {
    Path path = spillDir.resolve(UUID.randomUUID() + ".parquet");
    SpillFile spill = new SpillFile(path, props.parquet());
    openFiles++;
    OpenFile file = new OpenFile(st.partition, destination, spill, offset, now);
    Map<Long, Long> unfinished = st.unfinished.get(destination);
    Long end = unfinished == null ? null : unfinished.remove(offset);
    if (end != null) {
      file.mustEndAt = end;
      log.info("{} {} from offset {}: ends at {}, as the previous owner's unfinished upload",
          st.partition, destination.directory(), offset, end);
    }
    return file;
  }

  /**
   * Keeps the open files under the cap by closing the oldest one. Files held to a previous owner's
   * receipt are not closed early (they fill up quickly: their records are being re-read), so the
   * cap may be passed by those for a moment.
   */
  private void makeRoom() throws IOException {
    while (openFiles >= maxOpenFiles) {
      OpenFile oldest = null;
      PartitionState owner = null;
      for (PartitionState st : states.values()) {
        for (OpenFile f : st.open.values()) {
          if (f.mustEndAt >= 0) {
            continue;
          }
          if (oldest == null || f.openedAtMillis < oldest.openedAtMillis) {
            oldest = f;
            owner = st;
          }
        }
      }
      if (oldest == null) {
        return;
      }
      close(owner, oldest, RotationPolicy.Reason.OPEN_FILE_CAP);
    }
  }

  private void close(PartitionState st, OpenFile file, RotationPolicy.Reason reason)
      throws IOException {
    st.open.remove(file.destination);
    openFiles--;
    file.spill.close();
    file.size = sizeOf(file.spill.path());
    st.pending.add(file);
    uploads.addLast(file);
    log.debug("closed {} [{}..{}] {} records ({})", file.destination.directory(), file.firstOffset,
        file.lastOffset, file.spill.records(), reason);
  }

  private void rotateByTime(long now) throws IOException {
    for (PartitionState st : states.values()) {
      long watermark = st.watermark(now, idleAfterMillis);
      for (OpenFile file : List.copyOf(st.open.values())) {
        if (file.mustEndAt >= 0) {
          continue;
        }
        RotationPolicy.Reason reason = rotation.decide(file.spill.records(), file.spill.dataSize(),
            file.openedAtMillis, file.destination.hourEndMillis(), now, watermark);
        if (reason != null) {
          close(st, file, reason);
        }
      }
    }
  }

  // ---- the store -----------------------------------------------------------------------------

  /**
   * Uploads closed files in order, one store call at a time, until the turn is over; stops at the
   * first failure and backs off. Files go up strictly one after another, so at most one of a
   * partition's files has a receipt without its data at any time (what recovery relies on).
   */
  private void upload() {
    while (!uploads.isEmpty() && storeCallAllowed()) {
      OpenFile file = uploads.peekFirst();
      String dataKey = names.dataKey(file.destination, file.dataFile());
      String receiptKey = names.receiptKey(file.partition.topic(), file.partition.partition(),
          file.firstOffset, file.lastOffset);
      boolean done;
      try {
        done = uploadStep(file, dataKey, receiptKey);
      } catch (IOException e) {
        storeFailed("upload of " + dataKey + " (" + file.partition + " [" + file.firstOffset + ".."
            + file.lastOffset + "])", e);
        return;
      }
      storeSucceeded();
      if (done) {
        uploaded(file, dataKey, receiptKey);
      }
    }
  }

  /** One store call towards the file's upload; true once its data object is complete. */
  private boolean uploadStep(OpenFile file, String dataKey, String receiptKey) throws IOException {
    if (file.uploadStartedNanos == 0) {
      file.uploadStartedNanos = System.nanoTime();
    }
    if (!file.receiptWritten) {
      // The receipt goes first: it is how recovery finds this file without listing the table,
      // and it only counts once the data object exists.
      store.put(receiptKey, dataKey.getBytes(StandardCharsets.UTF_8));
      file.receiptWritten = true;
      return false;
    }
    long partSize = store.partSize();
    if (file.size <= partSize) {
      store.upload(dataKey, file.spill.path());
      return true;
    }
    if (file.uploadId == null) {
      file.uploadId = store.startMultipart(dataKey);
      return false;
    }
    long offset = file.parts.size() * partSize;
    if (offset < file.size) {
      // A failed part is simply sent again under the same number, which replaces it.
      file.parts.add(store.uploadPart(dataKey, file.uploadId, file.parts.size() + 1,
          file.spill.path(), offset, Math.min(partSize, file.size - offset)));
      return false;
    }
    try {
      store.completeMultipart(dataKey, file.uploadId, List.copyOf(file.parts));
    } catch (IOException e) {
      // Whether the store made the object is unknown, and a completion sent again may be refused
      // once it has: start over (same key, same bytes) and abort this upload if it is still open.
      abandonedUploads.add(new Abandoned(dataKey, file.uploadId));
      file.uploadId = null;
      file.parts.clear();
      throw e;
    }
    return true;
  }

  private void uploaded(OpenFile file, String dataKey, String receiptKey) {
    metrics.uploadLatency.record(Duration.ofNanos(System.nanoTime() - file.uploadStartedNanos));
    metrics.files.increment();
    metrics.rowsUploaded.increment(file.spill.records());
    metrics.bytes.increment(file.size);
    faults.afterUpload(dataKey);
    uploads.pollFirst();
    file.spill.discard();
    PartitionState st = states.get(file.partition);
    if (st != null) {
      st.pending.remove(file);
      st.receipts.add(Map.entry(file.lastOffset, receiptKey));
    }
    log.info("uploaded {} ({} records, {} bytes, {} offsets {}..{})", dataKey,
        file.spill.records(), file.size, file.partition, file.firstOffset, file.lastOffset);
  }

  /** Aborts the multipart uploads given up on; one try each (the store's lifecycle rule is the backstop). */
  private void abortAbandoned() {
    while (!abandonedUploads.isEmpty() && storeCallAllowed()) {
      Abandoned upload = abandonedUploads.pollFirst();
      try {
        store.abortMultipart(upload.key(), upload.uploadId());
        log.info("aborted the unfinished multipart upload of {}", upload.key());
      } catch (IOException e) {
        log.warn("abort of the multipart upload of {} failed; its parts stay until the bucket's"
            + " rule for incomplete multipart uploads removes them: {}", upload.key(), e.getMessage());
      }
    }
  }

  private void storeSucceeded() {
    storeBackoff.succeeded();
    storeTrouble = null;
  }

  private void storeFailed(String what, IOException e) {
    metrics.uploadFailures.increment();
    Duration wait = storeBackoff.failed();
    storeTrouble = "object store failing: " + e.getMessage();
    log.warn("{} failed, retry in {} ms: {}", what, wait.toMillis(), e.getMessage());
  }

  private static long sizeOf(Path path) {
    try {
      return Files.size(path);
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Reads from the store what newly assigned partitions already have there, a call at a time:
   * a recovery the turn's budget cuts off goes on at the next turn (the partition stays paused).
   */
  private void recoverAssigned() {
    for (PartitionState st : states.values()) {
      if (st.recovered) {
        continue;
      }
      if (!storeCallAllowed()) {
        return;
      }
      try {
        if (st.recovery == null) {
          st.recovery = new Recovery.InProgress(st.partition.topic(), st.partition.partition(),
              consumer.position(st.partition));
        }
        if (!st.watermarkRead) {
          OptionalLong published = markers.published(st.partition.partition());
          if (published.isPresent()) {
            st.maxTimeMillis = Math.max(st.maxTimeMillis, published.getAsLong());
            st.publishedWatermark = published.getAsLong();
          }
          st.watermarkRead = true;
        }
        Recovery.Covered covered = st.recovery.resume(store, names, this::turnOver);
        storeSucceeded();
        if (covered == null) {
          return; // out of time: the next turn goes on
        }
        long position = st.recovery.committedOffset();
        st.recovery = null;
        st.covered = covered;
        st.unfinished = covered.unfinished();
        st.receipts.addAll(covered.receipts());
        st.nextOffset = position;
        st.lastCommitted = position;
        st.recovered = true;
        log.info("recovered {} from offset {}: {} files past it already in the store, {} left"
            + " unfinished by the previous owner", st.partition, position, covered.files(),
            covered.unfinished().values().stream().mapToInt(Map::size).sum());
        if (covered.isEmpty()) {
          st.covered = null;
        }
      } catch (IOException e) {
        storeFailed("recovery of " + st.partition, e);
      }
    }
  }

  // ---- offsets -------------------------------------------------------------------------------

  /**
   * Commits each partition up to its first record not yet safe: not yet in the store, or a dead
   * letter not yet acknowledged (that holds only its own partition).
   */
  private void commit() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionState st : states.values()) {
      if (!st.recovered) {
        continue;
      }
      long committable = st.committable();
      if (committable > st.lastCommitted) {
        offsets.put(st.partition, new OffsetAndMetadata(committable));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    faults.beforeCommit(offsets);
    try {
      consumer.commitSync(offsets);
    } catch (KafkaException e) {
      // A rebalance or broker trouble: the records will be re-read and the store's receipts
      // make the re-read drop what is already written.
      log.warn("commit of {} failed: {}", offsets, e.getMessage());
      return;
    }
    offsets.forEach((tp, om) -> {
      PartitionState st = states.get(tp);
      st.lastCommitted = om.offset();
      deleteCommittedReceipts(st);
    });
  }

  /** Receipts below the committed offset are never needed again. */
  private void deleteCommittedReceipts(PartitionState st) {
    for (Iterator<Map.Entry<Long, String>> it = st.receipts.iterator(); it.hasNext(); ) {
      Map.Entry<Long, String> receipt = it.next();
      if (receipt.getKey() < st.lastCommitted) {
        if (!storeCallAllowed()) {
          return; // the next commit, or the next recovery, removes it
        }
        try {
          store.delete(receipt.getValue());
          it.remove();
        } catch (IOException e) {
          return; // the next recovery removes it
        }
      }
    }
  }

  private void pauseOrResume() {
    Set<TopicPartition> pause = new HashSet<>();
    Set<TopicPartition> resume = new HashSet<>();
    boolean storeDown = storeBackoff.failing();
    for (PartitionState st : states.values()) {
      // While the store is down, stop reading: closed files would pile up on disk for nothing.
      // Likewise a partition whose dead letter waits to be sent again, or that stopped on one.
      if (!st.recovered || storeDown || uploads.size() > maxOpenFiles || st.stopped != null
          || st.deadLetterWaiting()) {
        pause.add(st.partition);
      } else {
        resume.add(st.partition);
      }
    }
    consumer.pause(pause);
    consumer.resume(resume);
  }

  // ---- dead letters --------------------------------------------------------------------------

  private void deadLetter(PartitionState st, ConsumerRecord<String, byte[]> record, String reason) {
    // failed_at to the second, as this loader has always written it.
    DeadLetter.Builder letter = DeadLetters.newBuilder(Stage.STAGE_BATCH_LOADER,
            ReasonCode.LOADER_UNDECODABLE, reason, clock.instant().truncatedTo(ChronoUnit.SECONDS))
        .setOriginal(com.google.protobuf.ByteString.copyFrom(
            record.value() == null ? new byte[0] : record.value()))
        .setSourceTopic(record.topic())
        .setSourcePartition(record.partition())
        .setSourceOffset(record.offset());
    // The value is unreadable, but the enricher's headers say which event it is.
    DeadLetter value = DeadLetters.eventFromHeaders(letter, name -> {
      Header header = record.headers().lastHeader(name);
      return header == null ? null : header.value();
    }).build();
    ProducerRecord<String, byte[]> out =
        new ProducerRecord<>(props.deadLetterTopic(), record.key(), value.toByteArray());
    DeadLetters.headers(value, out.headers()::add);
    log.warn("dead-lettered {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
    PendingDeadLetter pending = new PendingDeadLetter(out, record.offset());
    st.deadLetters.addLast(pending);
    metrics.deadLetters.increment();
    // A send can block (max.block.ms) while the topic's metadata is missing: not while the topic
    // is known to fail, nor past the turn's budget; sendDeadLetters sends it later then.
    if (!deadLetterBackoff.failing() && !turnOver()) {
      send(pending);
    }
  }

  private void send(PendingDeadLetter pending) {
    pending.sentAtMillis = clock.millis();
    try {
      pending.ack = deadLetters.send(pending.record);
    } catch (RuntimeException e) {
      // Thrown rather than reported (serialization, a closed producer): the same as a failed send.
      pending.ack = CompletableFuture.failedFuture(e);
    }
  }

  /** Sends again the dead letters whose last send failed, once the backoff allows. */
  private void sendDeadLetters() {
    if (!deadLetterBackoff.ready()) {
      return;
    }
    for (PartitionState st : states.values()) {
      if (st.stopped != null) {
        continue;
      }
      for (PendingDeadLetter pending : st.deadLetters) {
        if (pending.ack == null) {
          if (turnOver()) {
            return;
          }
          send(pending);
        }
      }
    }
  }

  /**
   * Looks at the sends in flight without waiting for any. An acknowledged dead letter releases its
   * offset for the commit. A failure Kafka calls retriable (or no answer within
   * {@code dead-letter-timeout}) is sent again after a backoff. Any other failure (record too
   * large, not authorized, invalid topic, serialization) would fail the same way for ever: the
   * partition stops there, see {@link #stop}.
   */
  private void settleDeadLetters(long now) {
    for (PartitionState st : states.values()) {
      if (st.stopped != null) {
        continue;
      }
      for (Iterator<PendingDeadLetter> it = st.deadLetters.iterator(); it.hasNext(); ) {
        PendingDeadLetter pending = it.next();
        if (pending.ack == null) {
          continue;
        }
        if (!pending.ack.isDone()) {
          if (now - pending.sentAtMillis >= deadLetterTimeoutMillis) {
            deadLetterFailed(st, pending, new TimeoutException(
                "not acknowledged within " + props.deadLetterTimeout()));
          }
          continue;
        }
        Throwable failed;
        try {
          pending.ack.get(0, TimeUnit.MILLISECONDS); // done: returns at once
          it.remove();
          deadLetterBackoff.succeeded();
          deadLetterTrouble = null;
          continue;
        } catch (ExecutionException e) {
          failed = e.getCause();
        } catch (CancellationException | TimeoutException e) {
          failed = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (failed instanceof RetriableException || failed instanceof CancellationException) {
          deadLetterFailed(st, pending, failed);
        } else {
          stop(st, pending, failed);
          break;
        }
      }
    }
    updateFailure();
  }

  private void deadLetterFailed(PartitionState st, PendingDeadLetter pending, Throwable cause) {
    pending.ack = null;
    metrics.deadLetterFailures.increment();
    Duration wait = deadLetterBackoff.failed();
    deadLetterTrouble = "dead-letter topic " + props.deadLetterTopic() + " failing: " + cause;
    log.warn("dead letter of {}-{}@{} failed, sending again in {} ms: {}", st.partition.topic(),
        st.partition.partition(), pending.offset, wait.toMillis(), cause.toString());
  }

  /**
   * A dead letter refused for good stops its partition, not the loader: its record and every later
   * one of the partition stay uncommitted (and are read again by the next owner or the next run),
   * nothing is dropped and the dead letter is not sent again; the loader's health goes DOWN naming
   * topic, partition and offset. The other partitions go on loading and committing, and the stopped
   * one stays assigned here, so it does not move on to stop a sibling.
   */
  private void stop(PartitionState st, PendingDeadLetter pending, Throwable cause) {
    metrics.deadLetterFailures.increment();
    st.stopped = "topic " + st.partition.topic() + " partition " + st.partition.partition()
        + " stopped at offset " + pending.offset + ": " + props.deadLetterTopic()
        + " refused the record's dead letter (" + cause + "); nothing from that offset on is"
        + " committed. Fix the cause and restart the loader";
    log.error("{}", st.stopped, cause);
  }

  private void updateFailure() {
    String stopped = null;
    for (PartitionState st : states.values()) {
      if (st.stopped != null) {
        stopped = stopped == null ? st.stopped : stopped + "; " + st.stopped;
      }
    }
    failure = stopped;
  }

  /** True while a running partition has dead letters not yet acknowledged. */
  private boolean awaitingDeadLetters() {
    return states.values().stream().anyMatch(st -> st.stopped == null && !st.deadLetters.isEmpty());
  }

  // ---- markers -------------------------------------------------------------------------------

  private void maybeWriteMarkers(long now) {
    if (now < nextMarkerCheckMillis || storeBackoff.failing() || turnOver()) {
      return;
    }
    nextMarkerCheckMillis = now + props.marker().checkInterval().toMillis();
    try {
      Map<Integer, Long> mine = new HashMap<>();
      long earliest = Long.MAX_VALUE;
      for (PartitionState st : states.values()) {
        if (!st.recovered) {
          continue;
        }
        long safe = st.safeWatermark(now, idleAfterMillis);
        earliest = Math.min(earliest, st.earliestTimeMillis);
        if (safe == Long.MIN_VALUE || safe <= st.publishedWatermark) {
          continue;
        }
        if (turnOver()) {
          return;
        }
        markers.publish(st.partition.partition(), safe);
        st.publishedWatermark = safe;
        mine.put(st.partition.partition(), safe);
      }
      if (props.marker().mode() == BatchProperties.MarkerMode.NONE) {
        return;
      }
      int partitions = consumer.partitionsFor(props.topic()).size();
      OptionalLong global = markers.globalWatermark(partitions, mine, this::turnOver);
      if (global.isEmpty()) {
        return;
      }
      metrics.watermarkMillis.set(global.getAsLong());
      List<Long> marked = markers.markCompleteHours(global.getAsLong(),
          earliest == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(earliest),
          this::turnOver);
      metrics.markers.increment(marked.size());
    } catch (IOException | KafkaException | NumberFormatException e) {
      // NumberFormatException: a watermark object whose content is not a number. Markers wait;
      // loading goes on.
      log.warn("marker check failed, next in {}: {}", props.marker().checkInterval(), e.getMessage());
    }
  }

  private void updateGauges(long now) {
    long lag = 0;
    long stopped = 0;
    for (PartitionState st : states.values()) {
      OptionalLong l = consumer.currentLag(st.partition);
      lag += l.orElse(0);
      stopped += st.stopped == null ? 0 : 1;
    }
    report(openFiles, uploads.size(), lag, stopped);
  }

  /** Moves this loop's share of the instance-wide gauges to the given values. */
  private void report(long open, long pending, long lag, long stopped) {
    metrics.openFiles.addAndGet(open - reportedOpenFiles);
    metrics.pendingUploads.addAndGet(pending - reportedPendingUploads);
    metrics.lag.addAndGet(lag - reportedLag);
    metrics.stoppedPartitions.addAndGet(stopped - reportedStopped);
    reportedOpenFiles = open;
    reportedPendingUploads = pending;
    reportedLag = lag;
    reportedStopped = stopped;
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /**
   * Graceful shutdown: close every file, upload, commit; then leave the group. It goes on polling
   * (every partition paused), so it stays in the group under the same turn budget, and a partition
   * revoked meanwhile is dropped as at any other time.
   */
  private void shutdown() throws IOException {
    for (PartitionState st : states.values()) {
      for (OpenFile file : List.copyOf(st.open.values())) {
        // A file held to a previous owner's receipt stays open (holding the commit) and is
        // dropped: under another end its name would overlap a late upload of that receipt's file.
        if (!file.heldToReceipt()) {
          close(st, file, RotationPolicy.Reason.SHUTDOWN);
        }
      }
    }
    long deadline = clock.millis() + props.shutdownTimeout().toMillis();
    // Also on the monotonic clock, so a stopped test clock cannot hold a shutdown for ever.
    long deadlineNanos = System.nanoTime() + props.shutdownTimeout().toNanos();
    while ((!uploads.isEmpty() || awaitingDeadLetters()) && clock.millis() < deadline
        && System.nanoTime() < deadlineNanos) {
      consumer.pause(consumer.assignment());
      consumer.poll(props.pollTimeout()); // paused: no records, only rebalance callbacks
      turnEndsAtMillis = Math.min(clock.millis() + turnBudgetMillis, deadline);
      settleDeadLetters(clock.millis());
      abortAbandoned();
      upload();
      sendDeadLetters();
      commit();
    }
    commit();
    if (!uploads.isEmpty()) {
      log.warn("shutdown: {} files not uploaded in {}; their records will be re-read",
          uploads.size(), props.shutdownTimeout());
      OpenFile head = uploads.peekFirst();
      if (head.uploadId != null) {
        abandonedUploads.add(new Abandoned(names.dataKey(head.destination, head.dataFile()),
            head.uploadId));
      }
    }
    turnEndsAtMillis = clock.millis() + turnBudgetMillis;
    abortAbandoned();
    arrive();
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
    abandon();
  }

  /** This loop is done with its partitions: counted once, on a graceful stop or a crash. */
  private void arrive() {
    if (leaving != null && !arrived) {
      arrived = true;
      leaving.countDown();
    }
  }

  private void abandon() {
    for (OpenFile f : uploads) {
      f.spill.discard();
    }
    uploads.clear();
    for (PartitionState st : states.values()) {
      st.open.values().forEach(f -> f.spill.discard());
    }
    states.clear();
    openFiles = 0;
    try {
      consumer.close();
    } catch (RuntimeException e) {
      log.debug("consumer close failed", e);
    }
  }

  private void clearSpillDirectory() throws IOException {
    Files.createDirectories(spillDir);
    try (var files = Files.list(spillDir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().endsWith(".parquet")) {
          Files.deleteIfExists(p);
        }
      }
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
      commit();
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
        for (OpenFile f : st.open.values()) {
          f.spill.discard();
          openFiles--;
        }
        for (OpenFile f : st.pending) {
          uploads.remove(f);
          if (f.uploadId != null) {
            abandonedUploads.add(new Abandoned(names.dataKey(f.destination, f.dataFile()),
                f.uploadId));
          }
          f.spill.discard();
        }
        log.info("dropped {}: {} open and {} closed files, to be written by its new owner", tp,
            st.open.size(), st.pending.size());
      }
      updateFailure();
    }
  }

  /** A multipart upload given up on, to abort. */
  private record Abandoned(String key, String uploadId) {}
}
