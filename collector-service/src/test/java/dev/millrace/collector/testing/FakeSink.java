package dev.millrace.collector.testing;

import dev.millrace.collector.sink.EventSink;
import dev.millrace.collector.sink.SinkUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The network edge faked for unit tests: records what Kafka acknowledged. In {@link Mode#HOLD} the
 * broker is slow: nothing is acknowledged until {@link #acknowledgeHeld()}.
 */
public final class FakeSink implements EventSink {

  /** What the next sends do. */
  public enum Mode { ACK, REFUSE_AT_ONCE, FAIL_LATER, HOLD }

  /** What the broker acknowledged. */
  public final List<ProducerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();
  public volatile Mode mode = Mode.ACK;
  private final List<Held> held = new ArrayList<>();

  private record Held(List<ProducerRecord<String, byte[]>> batch, CompletableFuture<Void> done) {}

  @Override
  public CompletableFuture<Void> sendAll(List<ProducerRecord<String, byte[]>> batch) {
    switch (mode) {
      case REFUSE_AT_ONCE -> throw new SinkUnavailableException(
          SinkUnavailableException.Cause.IN_FLIGHT_CAP, "the collector's in-flight cap is reached", null);
      case FAIL_LATER -> {
        return CompletableFuture.failedFuture(new SinkUnavailableException(
            SinkUnavailableException.Cause.SEND_FAILED, "Kafka did not acknowledge every record", null));
      }
      case HOLD -> {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (held) {
          held.add(new Held(List.copyOf(batch), done));
        }
        return done;
      }
      default -> {
        records.addAll(batch);
        return CompletableFuture.completedFuture(null);
      }
    }
  }

  /** Acknowledges every send held so far (sends this causes stay held); returns how many. */
  public int acknowledgeHeld() {
    List<Held> now;
    synchronized (held) {
      now = new ArrayList<>(held);
      held.clear();
    }
    for (Held h : now) {
      records.addAll(h.batch());
      h.done().complete(null);
    }
    return now.size();
  }

  /** Fails every send held so far, as a broker that never answered (delivery timeout). */
  public int failHeld() {
    List<Held> now;
    synchronized (held) {
      now = new ArrayList<>(held);
      held.clear();
    }
    now.forEach(h -> h.done().completeExceptionally(new SinkUnavailableException(
        SinkUnavailableException.Cause.SEND_FAILED, "Kafka did not acknowledge every record", null)));
    return now.size();
  }

  /** Record bytes sent and not yet answered. */
  public long heldBytes() {
    synchronized (held) {
      return held.stream().flatMap(h -> h.batch().stream())
          .mapToLong(r -> r.value().length).sum();
    }
  }

  @Override
  public long inFlightBytes() {
    return heldBytes();
  }

  public List<ProducerRecord<String, byte[]>> on(String topic) {
    return records.stream().filter(r -> r.topic().equals(topic)).toList();
  }
}
