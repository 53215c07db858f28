package dev.millrace.realtime.consume;

import dev.millrace.realtime.consume.Batch.BatchLimits;
import dev.millrace.realtime.ops.LoaderMetrics;
import dev.millrace.realtime.sink.BulkSink;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer loop. Records become documents in a {@link Batch}; a batch goes to the
 * {@link BulkSink} when it is full or has lingered, with at most {@code maxInFlight} outstanding.
 * Offsets are committed in batch order, only for batches whose every document is indexed or
 * dead-lettered, so a crash at any point redelivers rather than loses; the document ids make the
 * redelivery overwrite instead of duplicate.
 *
 * <p>Back-pressure: when a batch is full and no bulk slot is free (Elasticsearch slow or down), all
 * assigned partitions are paused and the loop keeps calling {@code poll}, which fetches nothing but
 * keeps the consumer in its group (max.poll.interval.ms never runs out). Once a bulk completes, the
 * partitions are resumed. Memory is bounded by {@code (maxInFlight + 1)} batches plus one poll.
 */
public final class LoaderLoop implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(LoaderLoop.class);

  private final Consumer<String, byte[]> consumer;
  private final List<String> topics;
  private final RecordDecoder decoder;
  private final BulkSink sink;
  private final BatchLimits limits;
  private final int maxInFlight;
  private final Duration pollTimeout;
  private final Duration shutdownTimeout;
  private final LoaderMetrics metrics;
  private final LongSupplier nanoTime;

  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  /** Per partition: the offset this loop last committed, or the position it found on first look. */
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private Batch current;
  private volatile boolean running = true;

  public LoaderLoop(Consumer<String, byte[]> consumer, List<String> topics, RecordDecoder decoder,
                    BulkSink sink, int maxActions, long maxBytes, Duration linger, int maxInFlight,
                    Duration pollTimeout, Duration shutdownTimeout, LoaderMetrics metrics,
                    LongSupplier nanoTime) {
    this.consumer = consumer;
    this.topics = topics;
    this.decoder = decoder;
    this.sink = sink;
    this.limits = new BatchLimits(maxActions, maxBytes, linger.toNanos());
    this.maxInFlight = maxInFlight;
    this.pollTimeout = pollTimeout;
    this.shutdownTimeout = shutdownTimeout;
    this.metrics = metrics;
    this.nanoTime = nanoTime;
    this.current = new Batch(nanoTime.getAsLong());
  }

  /** Asks the loop to finish: the in-flight bulks and the current batch are written, then committed. */
  public void stop() {
    running = false;
    consumer.wakeup();
  }

  @Override
  public void run() {
    subscribe();
    try {
      while (running) {
        pollOnce();
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } finally {
      finish();
    }
  }

  void subscribe() {
    consumer.subscribe(topics, new Rebalance());
  }

  /** One turn of the loop: fetch, batch, commit what is safe, send what is due, pause if backed up. */
  void pollOnce() {
    Duration timeout = pollTimeout;
    if (current.isFull(limits) && !inFlight.isEmpty()) {
      // Backed up: wake as soon as the oldest bulk completes rather than at the end of a poll
      // timeout, then poll without waiting (the partitions are paused; this keeps the membership).
      awaitQuietly(inFlight.peek().future(), pollTimeout);
      timeout = Duration.ZERO;
    }
    ConsumerRecords<String, byte[]> records = consumer.poll(timeout);
    for (ConsumerRecord<String, byte[]> record : records) {
      current.add(decoder.decode(record), new TopicPartition(record.topic(), record.partition()),
          record.offset());
    }
    commitCompleted(false);
    commitSkippedOffsets();
    submitIfDue();
    applyBackPressure();
    updateLag();
  }

  /**
   * Moves the committed offset of an idle partition up to the consumer's position. Reading
   * {@code read_committed}, the consumer steps over transaction markers and aborted records, which
   * it never returns: committing only "last record + 1" would leave every partition the enricher
   * writes transactionally one offset (its last commit marker) short of the end for ever, a lag
   * that never drains. Only a partition with no record in any uncommitted batch is moved, so
   * nothing that is not stored is ever covered.
   */
  private void commitSkippedOffsets() {
    Set<TopicPartition> busy = new HashSet<>(current.firstOffsets().keySet());
    for (InFlight f : inFlight) {
      busy.addAll(f.batch().firstOffsets().keySet());
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : consumer.assignment()) {
      if (busy.contains(tp)) {
        continue;
      }
      long position;
      try {
        position = consumer.position(tp, Duration.ZERO);
      } catch (RuntimeException e) {
        continue; // not known yet (e.g. just assigned): next turn
      }
      Long known = committed.putIfAbsent(tp, position);
      if (known != null && position > known) {
        offsets.put(tp, new OffsetAndMetadata(position));
      }
    }
    commit(offsets, false);
  }

  private static void awaitQuietly(Future<?> future, Duration timeout) {
    try {
      future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | CancellationException | TimeoutException e) {
      // Sorted out by commitCompleted.
    }
  }

  private void submitIfDue() {
    if (current.isDue(limits, nanoTime.getAsLong()) && inFlight.size() < maxInFlight) {
      inFlight.add(new InFlight(current, sink.submit(current.documents())));
      current = new Batch(nanoTime.getAsLong());
    }
  }

  private void applyBackPressure() {
    boolean full = current.isFull(limits);
    if (full) {
      consumer.pause(consumer.assignment());
    } else if (!consumer.paused().isEmpty()) {
      consumer.resume(consumer.paused());
    }
    metrics.paused(full);
  }

  /** Commits the completed batches at the head of the queue, in order. */
  private void commitCompleted(boolean sync) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    while (!inFlight.isEmpty() && inFlight.peek().future().isDone()) {
      InFlight done = inFlight.peek();
      try {
        done.future().get();
      } catch (ExecutionException | CancellationException | InterruptedException e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        // Only an interrupted (abandoned) write ends this way; its records must be read again.
        log.warn("bulk write did not complete ({}); rereading its records", e.toString());
        rewind(Set.of());
        break;
      }
      inFlight.poll();
      offsets.putAll(done.batch().commitOffsets());
    }
    commit(offsets, sync);
  }

  private void commit(Map<TopicPartition, OffsetAndMetadata> offsets, boolean sync) {
    if (offsets.isEmpty()) {
      return;
    }
    offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
    if (sync) {
      consumer.commitSync(offsets);
    } else {
      consumer.commitAsync(offsets, (committed, error) -> {
        if (error != null) {
          // A later commit covers the same offsets; at worst a restart redelivers, idempotently.
          log.warn("offset commit failed, a later commit or a redelivery covers it: {}", error.toString());
        }
      });
    }
  }

  /**
   * Drops every uncommitted batch and seeks each partition still owned (not in {@code revoked})
   * back to its first uncommitted record, so nothing is skipped. Abandoned bulks are cancelled; if
   * one had already written some documents, the reread overwrites them.
   */
  private void rewind(Collection<TopicPartition> revoked) {
    Map<TopicPartition, Long> seekTo = new HashMap<>();
    for (InFlight f : inFlight) {
      f.future().cancel(true);
      f.batch().firstOffsets().forEach((tp, o) -> seekTo.merge(tp, o, Math::min));
    }
    current.firstOffsets().forEach((tp, o) -> seekTo.merge(tp, o, Math::min));
    inFlight.clear();
    current = new Batch(nanoTime.getAsLong());
    Set<TopicPartition> owned = new HashSet<>(consumer.assignment());
    owned.removeAll(revoked);
    seekTo.forEach((tp, offset) -> {
      if (owned.contains(tp)) {
        consumer.seek(tp, offset);
      }
    });
  }

  /** Waits for the in-flight bulks for at most {@code timeout}, then commits what completed. */
  private void drain(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (InFlight f : inFlight) {
      long left = deadline - System.nanoTime();
      try {
        f.future().get(Math.max(0, left), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        break;
      } catch (ExecutionException | CancellationException e) {
        break;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    commitCompleted(true);
  }

  /** Writes what is outstanding (bounded by the shutdown timeout), commits it, closes the consumer. */
  void finish() {
    try {
      long deadline = System.nanoTime() + shutdownTimeout.toNanos();
      if (!current.isEmpty()) {
        // Make room for the last batch, then write it too: a graceful stop leaves nothing to reread.
        while (inFlight.size() >= maxInFlight && System.nanoTime() < deadline) {
          drain(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        if (inFlight.size() < maxInFlight) {
          inFlight.add(new InFlight(current, sink.submit(current.documents())));
          current = new Batch(nanoTime.getAsLong());
        }
      }
      drain(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      if (!inFlight.isEmpty()) {
        log.warn("stopping with {} bulk(s) unfinished after {}; their records will be read again",
            inFlight.size(), shutdownTimeout);
      }
    } catch (RuntimeException e) {
      log.warn("could not finish cleanly; uncommitted records will be read again: {}", e.toString());
    } finally {
      for (InFlight f : inFlight) {
        f.future().cancel(true);
      }
      // Cleared so that the revocation inside close() has nothing left to wait for.
      inFlight.clear();
      current = new Batch(nanoTime.getAsLong());
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void updateLag() {
    long lag = 0;
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong l = consumer.currentLag(tp);
      if (l.isPresent()) {
        lag += l.getAsLong();
      }
    }
    metrics.lag(lag);
  }

  private final class Rebalance implements ConsumerRebalanceListener {

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      // Give the outstanding bulks a chance to complete so that their offsets are committed before
      // another member takes the partitions; whatever did not complete is read again by someone.
      drain(shutdownTimeout);
      rewind(partitions);
      partitions.forEach(committed::remove);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      // Someone else may already own them: committing is not allowed, so everything is reread.
      rewind(partitions);
      partitions.forEach(committed::remove);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      log.info("assigned {}", partitions);
    }
  }

  private record InFlight(Batch batch, Future<?> future) {}
}
