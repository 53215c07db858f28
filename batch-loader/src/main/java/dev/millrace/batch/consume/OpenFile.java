package dev.millrace.batch.consume;

import dev.millrace.batch.parquet.SpillFile;
import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.store.ObjectNames;
import org.apache.kafka.common.TopicPartition;

/** A file of one Kafka partition and one destination: open, then closed and waiting for upload. */
final class OpenFile {

  final TopicPartition partition;
  final Destination destination;
  final SpillFile spill;
  final long firstOffset;
  final long openedAtMillis;
  long lastOffset;
  boolean receiptWritten;

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
}
