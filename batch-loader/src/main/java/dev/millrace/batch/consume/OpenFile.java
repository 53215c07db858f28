package dev.millrace.batch.consume;

import dev.millrace.batch.parquet.SpillFile;
import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.store.ObjectStore;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/** A file of one Kafka partition and one destination: open, then closed and waiting for upload. */
final class OpenFile {

  final TopicPartition partition;
  final Destination destination;
  final SpillFile spill;
  final long firstOffset;
  final long openedAtMillis;
  long lastOffset;
  /**
   * The offset this file must end at, or -1: the last offset of a receipt the partition's previous
   * owner wrote for a file that starts where this one does but whose data was not in the store
   * (see {@code Recovery}). Ending there gives this file that file's name and records, so a late
   * upload of it lands on the same object. No other rotation rule closes the file before.
   */
  long mustEndAt = -1;
  /** Bytes of the closed file. */
  long size;
  boolean receiptWritten;
  /** The multipart upload in progress, or null. */
  String uploadId;
  /** Its parts uploaded so far, in order. */
  final List<ObjectStore.Part> parts = new ArrayList<>();
  /** {@link System#nanoTime()} of the first upload step, for the latency metric; 0 before. */
  long uploadStartedNanos;

  OpenFile(TopicPartition partition, Destination destination, SpillFile spill, long firstOffset,
           long openedAtMillis) {
    this.partition = partition;
    this.destination = destination;
    this.spill = spill;
    this.firstOffset = firstOffset;
    this.lastOffset = firstOffset;
    this.openedAtMillis = openedAtMillis;
  }

  ObjectNames.DataFile dataFile() {
    return new ObjectNames.DataFile(partition.topic(), partition.partition(), firstOffset, lastOffset);
  }

  /** True while the file waits to reach the end a previous owner's receipt gave it. */
  boolean heldToReceipt() {
    return mustEndAt >= 0 && lastOffset < mustEndAt;
  }
}
