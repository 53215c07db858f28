package dev.millrace.realtime.index;

/**
 * Where a document came from: the Kafka record the loader read, and the event id when known. This is
 * what log lines and dead letters name; never the payload.
 */
public record Origin(String topic, int partition, long offset, long timestampMillis, String eventId) {

  /** A dead letter's document id: the record's coordinates, unique and the same on redelivery. */
  public String coordinates() {
    return topic + "-" + partition + "-" + offset;
  }

  @Override
  public String toString() {
    return topic + "/" + partition + "@" + offset + (eventId.isEmpty() ? "" : " event " + eventId);
  }
}
