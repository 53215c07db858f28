package dev.millrace.batch.consume;

import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.config.Clients;
import dev.millrace.batch.store.ObjectStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.Producer;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Runs {@code millrace.batch.consumers} {@link LoaderLoop}s, each on its own thread with its own
 * consumer in the group, its own spill directory and its share of the open-file cap, for the
 * application's lifetime. They share the object store client and the dead-letter producer (both
 * thread-safe). Stopping the context stops every loop gracefully (each uploads what it holds and
 * commits; no loop leaves the group before all have committed) before the store and the producer
 * are closed.
 */
public final class LoaderLifecycle implements SmartLifecycle {

  private final ObjectStore store;
  private final Producer<String, byte[]> producer;
  private final List<LoaderLoop> loops = new ArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final BatchProperties props;
  private final ApplicationEventPublisher events;
  private volatile boolean stopping;

  public LoaderLifecycle(BatchProperties props, Clients clients, LoaderMetrics metrics, Clock clock,
                         FaultInjection faults, ApplicationEventPublisher events) {
    this.props = props;
    this.events = events;
    this.store = clients.store();
    this.producer = clients.deadLetterProducer();
    int share = Math.max(1, props.maxOpenFiles() / props.consumers());
    CountDownLatch leaving = new CountDownLatch(props.consumers());
    for (int i = 0; i < props.consumers(); i++) {
      loops.add(new LoaderLoop(props, props.spillDir().resolve("consumer-" + i), share,
          clients.consumer(i), producer, store, clock, metrics, faults, leaving));
    }
  }

  /** True once started and while every loop's thread runs. */
  public boolean alive() {
    return !threads.isEmpty() && threads.stream().allMatch(Thread::isAlive);
  }

  /** Why some loop is not ready for now (the store or the dead-letter topic failing), or null. */
  public String unhealthy() {
    return loops.stream().map(LoaderLoop::unhealthy).filter(u -> u != null).findFirst().orElse(null);
  }

  /** Partitions stopped on a refused dead letter, each naming topic, partition and offset; or null. */
  public String failure() {
    List<String> failures = loops.stream().map(LoaderLoop::failure).filter(f -> f != null).toList();
    return failures.isEmpty() ? null : String.join("; ", failures);
  }

  @Override
  public synchronized void start() {
    for (int i = 0; i < loops.size(); i++) {
      LoaderLoop loop = loops.get(i);
      Thread thread = new Thread(() -> {
        loop.run();
        if (!stopping) {
          // A loop died (see its log): liveness goes down so the orchestrator restarts us; the
          // uncommitted records are re-read by the next run.
          AvailabilityChangeEvent.publish(events, this, LivenessState.BROKEN);
        }
      }, "batch-loader-" + i);
      threads.add(thread);
      thread.start();
    }
  }

  @Override
  public synchronized void stop() {
    stopping = true;
    loops.forEach(LoaderLoop::stop);
    // Each loop uploads for up to shutdown-timeout, then waits up to as long for its siblings.
    long deadline = System.nanoTime() + props.shutdownTimeout().multipliedBy(2).plusSeconds(10).toNanos();
    try {
      for (Thread thread : threads) {
        thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close();
    store.close();
  }

  @Override
  public boolean isRunning() {
    return threads.stream().anyMatch(Thread::isAlive);
  }
}
