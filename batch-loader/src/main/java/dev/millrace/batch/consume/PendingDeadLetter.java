package dev.millrace.batch.consume;

import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** A dead letter not yet acknowledged by the broker; its record's offset is not committed. */
final class PendingDeadLetter {

  final ProducerRecord<String, byte[]> record;
  /** Offset of the record it stands for. */
  final long offset;
  /** The send in flight, or null while it waits to be sent (again). */
  Future<RecordMetadata> ack;
  long sentAtMillis;

  PendingDeadLetter(ProducerRecord<String, byte[]> record, long offset) {
    this.record = record;
    this.offset = offset;
  }
}
