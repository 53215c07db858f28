package dev.millrace.collector.sink;

import dev.millrace.collector.sink.SinkUnavailableException.Cause;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Sends a request's records with the async producer and completes when the broker acknowledged all
 * of them. Memory is bounded by a semaphore counted in bytes: a request that does not fit is refused
 * at once (503) rather than queued, so a slow broker turns into back-pressure on producers instead of
 * a growing heap. While the probe knows the broker is unreachable, requests are refused without
 * waiting for {@code delivery.timeout.ms}.
 */
public final class KafkaSink implements EventSink, AutoCloseable {

  private final Producer<String, byte[]> producer;
  private final Semaphore permits;
  private final int capacity;
  private final BooleanSupplier brokerReachable;

  /**
   * @param capacityBytes the in-flight cap
   * @param brokerReachable false only while the broker is known to be unreachable
   */
  public KafkaSink(Producer<String, byte[]> producer, long capacityBytes, BooleanSupplier brokerReachable) {
    this.producer = producer;
    this.capacity = (int) Math.min(Integer.MAX_VALUE, capacityBytes);
    this.permits = new Semaphore(capacity);
    this.brokerReachable = brokerReachable;
  }

  @Override
  public CompletableFuture<Void> sendAll(List<ProducerRecord<String, byte[]>> records) {
    if (!brokerReachable.getAsBoolean()) {
      throw new SinkUnavailableException(Cause.BROKER_UNREACHABLE, "Kafka is unreachable", null);
    }
    long total = 0;
    for (ProducerRecord<String, byte[]> record : records) {
      total += size(record);
    }
    int bytes = (int) Math.min(capacity, total);
    if (!permits.tryAcquire(bytes)) {
      throw new SinkUnavailableException(Cause.IN_FLIGHT_CAP,
          "the collector's in-flight cap is reached", null);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger remaining = new AtomicInteger(records.size());
    AtomicReference<Exception> failure = new AtomicReference<>();
    Runnable finish = () -> {
      permits.release(bytes);
      Exception e = failure.get();
      if (e == null) {
        done.complete(null);
      } else {
        done.completeExceptionally(new SinkUnavailableException(Cause.SEND_FAILED,
            "Kafka did not acknowledge every record: " + e.getClass().getSimpleName(), e));
      }
    };
    if (records.isEmpty()) {
      finish.run();
      return done;
    }
    for (int i = 0; i < records.size(); i++) {
      try {
        producer.send(records.get(i), (metadata, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
          if (remaining.decrementAndGet() == 0) {
            finish.run();
          }
        });
      } catch (RuntimeException e) {
        // max.block.ms passed waiting for metadata or buffer space, or the producer is closed:
        // this record and the ones after it are not sent.
        failure.compareAndSet(null, e);
        if (remaining.addAndGet(-(records.size() - i)) == 0) {
          finish.run();
        }
        break;
      }
    }
    return done;
  }

  @Override
  public long inFlightBytes() {
    return capacity - (long) permits.availablePermits();
  }

  static long size(ProducerRecord<String, byte[]> record) {
    return size(record.key(), record.value() == null ? 0 : record.value().length, record.headers());
  }

  /**
   * A record's size as the in-flight cap and the memory budget count it, from its value's size,
   * so that it can be reserved before the value is serialized.
   */
  public static long size(String key, int valueBytes, Iterable<Header> headers) {
    long size = valueBytes;
    if (key != null) {
      size += key.getBytes(StandardCharsets.UTF_8).length;
    }
    for (Header h : headers) {
      size += h.key().length() + (h.value() == null ? 0 : h.value().length);
    }
    return size;
  }

  /** Flushes what is buffered, waiting for its acks (graceful shutdown), then closes. */
  @Override
  public void close() {
    producer.flush();
    producer.close();
  }
}
