package dev.millrace.batch.consume;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.config.BatchProperties.PartitionBy;
import dev.millrace.batch.marker.MarkerWriter;
import dev.millrace.batch.parquet.SpillFile;
import dev.millrace.batch.parquet.WireEvent;
import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.partition.RotationPolicy;
import dev.millrace.batch.store.Backoff;
import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.store.ObjectStore;
import dev.millrace.batch.store.Recovery;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loader: one thread that polls the enriched topic, appends each record to the open file of its
 * destination, closes files by the rotation rules, uploads them, commits offsets and writes markers.
 *
 * <p>It never blocks on the store: while uploads fail it pauses every partition and keeps polling
 * (so it stays in the consumer group), retrying at backoff times. Nothing is committed past a record
 * that is not in the store, and nothing is dropped: closed files wait on local disk.
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
  private final Backoff storeBackoff;
  private final Map<TopicPartition, PartitionState> states = new HashMap<>();
  /** Closed files in the order they were closed; uploaded in that order. */
  private final Deque<OpenFile> uploads = new ArrayDeque<>();
  private final List<Map.Entry<ProducerRecord<String, byte[]>, Future<RecordMetadata>>> sentDeadLetters =
      new ArrayList<>();
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
  private volatile boolean running = true;
  private volatile boolean alive;
  private volatile String unhealthy;

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
    this.storeBackoff = new Backoff(clock, props.retry().initialBackoff(),
        props.retry().maxBackoff(), () -> ThreadLocalRandom.current().nextDouble());
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

  /** Why the loader is not ready (the store is failing), or null. */
  public String unhealthy() {
    return unhealthy;
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
      report(0, 0, 0);
      alive = false;
    }
  }

  /** Everything a loop turn does besides handling records. */
  private void tick() throws IOException {
    long now = clock.millis();
    recoverAssigned();
    rotateByTime(now);
    upload();
    flushDeadLetters();
    commit();
    pauseOrResume();
    maybeWriteMarkers(now);
    updateGauges(now);
  }

  // ---- records -------------------------------------------------------------------------------

  private void handle(ConsumerRecord<String, byte[]> record) throws IOException {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    PartitionState st = states.get(tp);
    if (st == null || (st.recovered && record.offset() < st.nextOffset)) {
      return; // not ours (revoked meanwhile), or already handled
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
      deadLetter(record, "not an EnrichedEvent: " + e.getMessage());
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
      file = open(tp, destination, record.offset(), now);
      st.open.put(destination, file);
    }
    file.spill.write(event, record.topic(), record.partition(), record.offset());
    file.lastOffset = record.offset();
    st.nextOffset = record.offset() + 1;
    metrics.rows.increment();
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

  private OpenFile open(TopicPartition tp, Destination destination, long offset, long now)
      throws IOException {
    Path path = spillDir.resolve(UUID.randomUUID() + ".parquet");
    SpillFile spill = new SpillFile(path, props.parquet());
    openFiles++;
    return new OpenFile(tp, destination, spill, offset, now);
  }

  /** Keeps the open files under the cap by closing the oldest one. */
  private void makeRoom() throws IOException {
    while (openFiles >= maxOpenFiles) {
      OpenFile oldest = null;
      PartitionState owner = null;
      for (PartitionState st : states.values()) {
        for (OpenFile f : st.open.values()) {
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
    st.pending.add(file);
    uploads.addLast(file);
    log.debug("closed {} [{}..{}] {} records ({})", file.destination.directory(), file.firstOffset,
        file.lastOffset, file.spill.records(), reason);
  }

  private void rotateByTime(long now) throws IOException {
    for (PartitionState st : states.values()) {
      long watermark = st.watermark(now, idleAfterMillis);
      for (OpenFile file : List.copyOf(st.open.values())) {
        RotationPolicy.Reason reason = rotation.decide(file.spill.records(), file.spill.dataSize(),
            file.openedAtMillis, file.destination.hourEndMillis(), now, watermark);
        if (reason != null) {
          close(st, file, reason);
        }
      }
    }
  }

  // ---- the store -----------------------------------------------------------------------------

  /** Uploads closed files in order; stops at the first failure and backs off. */
  private void upload() {
    while (!uploads.isEmpty() && storeBackoff.ready()) {
      OpenFile file = uploads.peekFirst();
      String dataKey = names.dataKey(file.destination, file.dataFile());
      String receiptKey = names.receiptKey(file.partition.topic(), file.partition.partition(),
          file.firstOffset, file.lastOffset);
      long started = System.nanoTime();
      try {
        // The receipt goes first: it is how recovery finds this file without listing the table,
        // and it only counts once the data object exists.
        if (!file.receiptWritten) {
          store.put(receiptKey, dataKey.getBytes(StandardCharsets.UTF_8));
          file.receiptWritten = true;
        }
        store.upload(dataKey, file.spill.path());
      } catch (IOException e) {
        metrics.uploadFailures.increment();
        Duration wait = storeBackoff.failed();
        unhealthy = "object store failing: " + e.getMessage();
        log.warn("upload of {} ({} [{}..{}]) failed, retry in {} ms: {}", dataKey, file.partition,
            file.firstOffset, file.lastOffset, wait.toMillis(), e.getMessage());
        return;
      }
      storeBackoff.succeeded();
      unhealthy = null;
      long size = sizeOf(file.spill.path());
      metrics.uploadLatency.record(Duration.ofNanos(System.nanoTime() - started));
      metrics.files.increment();
      metrics.rowsUploaded.increment(file.spill.records());
      metrics.bytes.increment(size);
      faults.afterUpload(dataKey);
      uploads.pollFirst();
      file.spill.discard();
      PartitionState st = states.get(file.partition);
      if (st != null) {
        st.pending.remove(file);
        st.receipts.add(Map.entry(file.lastOffset, receiptKey));
      }
      log.info("uploaded {} ({} records, {} bytes, {} offsets {}..{})", dataKey,
          file.spill.records(), size, file.partition, file.firstOffset, file.lastOffset);
    }
  }

  private static long sizeOf(Path path) {
    try {
      return Files.size(path);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Reads from the store what newly assigned partitions already have there. */
  private void recoverAssigned() {
    for (PartitionState st : states.values()) {
      if (st.recovered || !storeBackoff.ready()) {
        continue;
      }
      try {
        long position = consumer.position(st.partition);
        st.covered = Recovery.recover(store, names, st.partition.topic(),
            st.partition.partition(), position);
        OptionalLong published = markers.published(st.partition.partition());
        if (published.isPresent()) {
          st.maxTimeMillis = Math.max(st.maxTimeMillis, published.getAsLong());
          st.publishedWatermark = published.getAsLong();
        }
        st.receipts.addAll(st.covered.receipts());
        st.nextOffset = position;
        st.lastCommitted = position;
        st.recovered = true;
        storeBackoff.succeeded();
        log.info("recovered {} from offset {}: {} files past it already in the store",
            st.partition, position, st.covered.files());
        if (st.covered.isEmpty()) {
          st.covered = null;
        }
      } catch (IOException e) {
        metrics.uploadFailures.increment();
        Duration wait = storeBackoff.failed();
        unhealthy = "object store failing: " + e.getMessage();
        log.warn("recovery of {} failed, retry in {} ms: {}", st.partition, wait.toMillis(),
            e.getMessage());
      }
    }
  }

  // ---- offsets -------------------------------------------------------------------------------

  private void commit() {
    if (!sentDeadLetters.isEmpty()) {
      return; // a dead letter is not yet acknowledged: its offset must not be committed
    }
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
      if (!st.recovered || storeDown || uploads.size() > maxOpenFiles) {
        pause.add(st.partition);
      } else {
        resume.add(st.partition);
      }
    }
    consumer.pause(pause);
    consumer.resume(resume);
  }

  // ---- dead letters --------------------------------------------------------------------------

  private void deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
    DeadLetter letter = DeadLetter.newBuilder()
        .setStage(Stage.STAGE_BATCH_LOADER)
        .setReason(ReasonCode.LOADER_UNDECODABLE)
        .setMessage(reason)
        .setOriginal(com.google.protobuf.ByteString.copyFrom(
            record.value() == null ? new byte[0] : record.value()))
        .setSourceTopic(record.topic())
        .setSourcePartition(record.partition())
        .setSourceOffset(record.offset())
        .setFailedAt(Timestamp.newBuilder().setSeconds(clock.instant().getEpochSecond()))
        .build();
    ProducerRecord<String, byte[]> out =
        new ProducerRecord<>(props.deadLetterTopic(), record.key(), letter.toByteArray());
    out.headers().add(WireNames.HEADER_REASON,
        ReasonCode.LOADER_UNDECODABLE.name().getBytes(StandardCharsets.UTF_8));
    out.headers().add(WireNames.HEADER_CONTENT_TYPE,
        DeadLetter.getDescriptor().getFullName().getBytes(StandardCharsets.UTF_8));
    log.warn("dead-lettered {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
    sentDeadLetters.add(Map.entry(out, deadLetters.send(out)));
    metrics.deadLetters.increment();
  }

  /** Waits for sent dead letters; re-sends any that failed (their offsets stay uncommitted). */
  private void flushDeadLetters() {
    if (sentDeadLetters.isEmpty()) {
      return;
    }
    deadLetters.flush();
    List<Map.Entry<ProducerRecord<String, byte[]>, Future<RecordMetadata>>> failed = new ArrayList<>();
    for (var sent : sentDeadLetters) {
      try {
        sent.getValue().get();
      } catch (Exception e) {
        failed.add(sent);
      }
    }
    sentDeadLetters.clear();
    for (var f : failed) {
      log.warn("dead letter for {} not acknowledged; sending again", f.getKey().key());
      sentDeadLetters.add(Map.entry(f.getKey(), deadLetters.send(f.getKey())));
    }
  }

  // ---- markers -------------------------------------------------------------------------------

  private void maybeWriteMarkers(long now) {
    if (now < nextMarkerCheckMillis || storeBackoff.failing()) {
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
        markers.publish(st.partition.partition(), safe);
        st.publishedWatermark = safe;
        mine.put(st.partition.partition(), safe);
      }
      if (props.marker().mode() == BatchProperties.MarkerMode.NONE) {
        return;
      }
      int partitions = consumer.partitionsFor(props.topic()).size();
      OptionalLong global = markers.globalWatermark(partitions, mine);
      if (global.isEmpty()) {
        return;
      }
      metrics.watermarkMillis.set(global.getAsLong());
      List<Long> marked = markers.markCompleteHours(global.getAsLong(),
          earliest == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(earliest));
      metrics.markers.increment(marked.size());
    } catch (IOException | KafkaException | NumberFormatException e) {
      // NumberFormatException: a watermark object whose content is not a number. Markers wait;
      // loading goes on.
      log.warn("marker check failed, next in {}: {}", props.marker().checkInterval(), e.getMessage());
    }
  }

  private void updateGauges(long now) {
    long lag = 0;
    for (PartitionState st : states.values()) {
      OptionalLong l = consumer.currentLag(st.partition);
      lag += l.orElse(0);
    }
    report(openFiles, uploads.size(), lag);
  }

  /** Moves this loop's share of the instance-wide gauges to the given values. */
  private void report(long open, long pending, long lag) {
    metrics.openFiles.addAndGet(open - reportedOpenFiles);
    metrics.pendingUploads.addAndGet(pending - reportedPendingUploads);
    metrics.lag.addAndGet(lag - reportedLag);
    reportedOpenFiles = open;
    reportedPendingUploads = pending;
    reportedLag = lag;
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Graceful shutdown: close every file, upload, commit; then leave the group. */
  private void shutdown() throws IOException {
    for (PartitionState st : states.values()) {
      for (OpenFile file : List.copyOf(st.open.values())) {
        close(st, file, RotationPolicy.Reason.SHUTDOWN);
      }
    }
    long deadline = clock.millis() + props.shutdownTimeout().toMillis();
    while ((!uploads.isEmpty() || !sentDeadLetters.isEmpty()) && clock.millis() < deadline) {
      upload();
      flushDeadLetters();
      if (!uploads.isEmpty()) {
        sleepQuietly(50);
      }
    }
    commit();
    if (!uploads.isEmpty()) {
      log.warn("shutdown: {} files not uploaded in {}; their records will be re-read",
          uploads.size(), props.shutdownTimeout());
    }
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

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
     * from the committed offset, and uploading now could race with it.
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
          f.spill.discard();
        }
      }
    }
  }
}
