package dev.millrace.batch.consume;

import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.store.Recovery;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;

/** What the loader knows about one assigned Kafka partition. */
final class PartitionState {

  final TopicPartition partition;
  final long assignedAtMillis;
  /** False until the store was read for what this partition already has there. */
  boolean recovered;
  /** The recovery under way (it may take several loop turns), or null. */
  Recovery.InProgress recovery;
  /** True once the partition's published watermark was read back during recovery. */
  boolean watermarkRead;
  /** What the store already holds past the committed offset, until the records pass it; or null. */
  Recovery.AlreadyStored alreadyStored;
  /**
   * Files the previous owner announced (a receipt) but whose data was not in the store: destination
   * to {first offset: last offset}. A file of ours opening at such a first offset ends at that last.
   */
  Map<Destination, Map<Long, Long>> unfinished = new HashMap<>();
  /** Dead letters of this partition not yet acknowledged, in offset order. */
  final Deque<PendingDeadLetter> deadLetters = new ArrayDeque<>();
  /**
   * Why the partition stopped for good: a dead letter the topic refused (too large, not
   * authorized, ...). Its records are no longer read, and nothing from that record on is committed.
   * Null while it runs.
   */
  String stopped;
  /** Offset after the last record processed. */
  long nextOffset;
  long lastCommitted = -1;
  final Map<Destination, OpenFile> open = new LinkedHashMap<>();
  /** Closed files of this partition waiting for upload, oldest first. */
  final List<OpenFile> pending = new ArrayList<>();
  /** Receipts of uploaded files, deleted once their offsets are committed: {lastOffset, key}. */
  final List<Map.Entry<Long, String>> receipts = new ArrayList<>();
  /** Largest partition time (received-at or occurred-at) seen, epoch millis. */
  long maxTimeMillis = Long.MIN_VALUE;
  long earliestTimeMillis = Long.MAX_VALUE;
  long lastRecordAtMillis;
  long publishedWatermark = Long.MIN_VALUE;

  PartitionState(TopicPartition partition, long nowMillis) {
    this.partition = partition;
    this.assignedAtMillis = nowMillis;
    this.lastRecordAtMillis = nowMillis;
  }

  void observe(long timeMillis, long nowMillis) {
    maxTimeMillis = Math.max(maxTimeMillis, timeMillis);
    earliestTimeMillis = Math.min(earliestTimeMillis, timeMillis);
    lastRecordAtMillis = nowMillis;
  }

  long committable() {
    return CommittableOffset.of(nextOffset, LongStream.concat(unflushedFirstOffsets(),
        deadLetters.stream().mapToLong(d -> d.offset)));
  }

  /** True when a dead letter of this partition waits to be sent again. */
  boolean deadLetterWaiting() {
    return deadLetters.stream().anyMatch(d -> d.ack == null);
  }

  /**
   * The partition's watermark: the largest partition time seen, or, once the partition has had no
   * record for {@code idleAfterMillis} (the loader is caught up on it), the wall clock minus that
   * time, so a quiet partition does not hold every hour open forever.
   */
  long watermark(long nowMillis, long idleAfterMillis) {
    if (nowMillis - lastRecordAtMillis >= idleAfterMillis) {
      return Math.max(maxTimeMillis, nowMillis - idleAfterMillis);
    }
    return maxTimeMillis;
  }

  /** The watermark, held back to the hour of any file not yet uploaded. */
  long safeWatermark(long nowMillis, long idleAfterMillis) {
    long unflushedHour = Stream.concat(open.values().stream(), pending.stream())
        .mapToLong(f -> f.destination.hourStartMillis()).min().orElse(Long.MAX_VALUE);
    return Math.min(watermark(nowMillis, idleAfterMillis), unflushedHour);
  }

  LongStream unflushedFirstOffsets() {
    return Stream.concat(open.values().stream(), pending.stream()).mapToLong(f -> f.firstOffset);
  }
}
