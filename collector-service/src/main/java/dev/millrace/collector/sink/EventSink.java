package dev.millrace.collector.sink;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Where the records of a request go: Kafka in production, a fake in unit tests. */
public interface EventSink {

  /**
   * Sends every record of one request.
   *
   * @return completes when the broker acknowledged every record, or exceptionally with a
   *     {@link SinkUnavailableException} when any failed
   * @throws SinkUnavailableException at once, without sending anything, when the in-flight cap is
   *     reached or the broker is known to be unreachable
   */
  CompletableFuture<Void> sendAll(List<ProducerRecord<String, byte[]>> records);

  /** Bytes sent but not yet acknowledged. */
  long inFlightBytes();
}
