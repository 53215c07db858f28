package dev.millrace.producer.run;

import dev.millrace.producer.send.EventSender;
import dev.millrace.producer.send.SendException;
import dev.millrace.producer.traffic.GeneratedEvent;
import dev.millrace.producer.traffic.TrafficGenerator;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Sends generated traffic at a target rate: one dispatcher paces batches, up to {@code concurrency}
 * requests are in flight, and senders are used in turn (so "both" alternates REST and gRPC).
 */
public final class LoadRun {

  /**
   * @param rate events per second; 0 means as fast as the collector answers
   * @param count events to send; 0 means no limit (then {@code duration} must be set)
   * @param duration how long to send; null means until {@code count} is reached
   * @param batchSize events per request
   * @param concurrency requests in flight at most
   */
  public record Settings(double rate, long count, Duration duration, int batchSize, int concurrency) {
    public Settings {
      if (count <= 0 && duration == null) {
        throw new IllegalArgumentException("give a count or a duration, or the run never ends");
      }
      if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, was " + batchSize);
      if (concurrency < 1) throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
      if (rate < 0) throw new IllegalArgumentException("rate must not be negative, was " + rate);
    }
  }

  private final TrafficGenerator generator;
  private final List<EventSender> senders;
  private final Settings settings;
  private final Consumer<Delivery> listener;
  private final RunStats stats = new RunStats();
  private volatile boolean stopped;

  /** {@code listener} sees every request's outcome, from the sending threads. */
  public LoadRun(TrafficGenerator generator, List<EventSender> senders, Settings settings,
                 Consumer<Delivery> listener) {
    if (senders.isEmpty()) throw new IllegalArgumentException("no sender");
    this.generator = generator;
    this.senders = List.copyOf(senders);
    this.settings = settings;
    this.listener = listener;
  }

  public RunStats stats() {
    return stats;
  }

  /** Ends the run after the requests in flight (e.g. on Ctrl-C). */
  public void stop() {
    stopped = true;
  }

  /** Sends until the count or duration is reached; returns how long it took. */
  public Duration run() throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(settings.concurrency(), daemonThreads());
    Semaphore inFlight = new Semaphore(settings.concurrency());
    long start = System.nanoTime();
    long end = settings.duration() == null ? Long.MAX_VALUE : start + settings.duration().toNanos();
    long generated = 0;
    int next = 0;
    try {
      while (!stopped && (settings.count() <= 0 || generated < settings.count()) && System.nanoTime() < end) {
        int size = (int) (settings.count() <= 0 ? settings.batchSize()
            : Math.min(settings.batchSize(), settings.count() - generated));
        if (settings.rate() > 0) {
          // Pace by schedule, not by sleeping a fixed gap, so slow requests do not lower the rate.
          long due = start + (long) (generated / settings.rate() * 1e9);
          long wait = due - System.nanoTime();
          if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
        }
        List<GeneratedEvent> batch = generator.next(size);
        generated += size;
        EventSender sender = senders.get(next++ % senders.size());
        inFlight.acquire();
        pool.execute(() -> {
          try {
            deliver(sender, batch);
          } finally {
            inFlight.release();
          }
        });
      }
      inFlight.acquire(settings.concurrency());
    } finally {
      pool.shutdownNow();
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private void deliver(EventSender sender, List<GeneratedEvent> batch) {
    List<Event> events = batch.stream().map(GeneratedEvent::event).toList();
    Instant sentAt = Instant.now();
    long t0 = System.nanoTime();
    Delivery delivery;
    try {
      BatchResult result = sender.send(events);
      delivery = new Delivery(batch, sender.transport(), sentAt, System.nanoTime() - t0, result, null, null);
    } catch (SendException e) {
      delivery = new Delivery(batch, sender.transport(), sentAt, System.nanoTime() - t0, null, e.kind(), e.getMessage());
    } catch (RuntimeException e) {
      delivery = new Delivery(batch, sender.transport(), sentAt, System.nanoTime() - t0, null,
          e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
    }
    stats.record(delivery);
    listener.accept(delivery);
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "millrace-producer-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
