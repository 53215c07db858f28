package dev.millrace.collector.testing;

import dev.millrace.collector.sink.EventSink;
import dev.millrace.collector.sink.SinkUnavailableException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The network edge faked for unit tests: records what would have gone to Kafka. */
public final class FakeSink implements EventSink {

  /** What the next sends do. */
  public enum Mode { ACK, REFUSE_AT_ONCE, FAIL_LATER }

  public final List<ProducerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();
  public volatile Mode mode = Mode.ACK;

  @Override
  public CompletableFuture<Void> sendAll(List<ProducerRecord<String, byte[]>> batch) {
    switch (mode) {
      case REFUSE_AT_ONCE -> throw new SinkUnavailableException(
          SinkUnavailableException.Cause.IN_FLIGHT_CAP, "the collector's in-flight cap is reached", null);
      case FAIL_LATER -> {
        return CompletableFuture.failedFuture(new SinkUnavailableException(
            SinkUnavailableException.Cause.SEND_FAILED, "Kafka did not acknowledge every record", null));
      }
      default -> {
        records.addAll(batch);
        return CompletableFuture.completedFuture(null);
      }
    }
  }

  @Override
  public long inFlightBytes() {
    return 0;
  }

  public List<ProducerRecord<String, byte[]>> on(String topic) {
    return records.stream().filter(r -> r.topic().equals(topic)).toList();
  }
}
