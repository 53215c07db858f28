package dev.millrace.batch.consume;

import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.config.Clients;
import dev.millrace.batch.store.ObjectStore;
import java.time.Clock;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the {@link LoaderLoop} on its own thread for the application's lifetime; stopping the
 * context stops the loop gracefully (it uploads what it holds and commits) before the store and
 * the dead-letter producer are closed.
 */
public final class LoaderLifecycle implements SmartLifecycle {

  private final ObjectStore store;
  private final Producer<String, byte[]> producer;
  private final LoaderLoop loop;
  private final BatchProperties props;
  private final ApplicationEventPublisher events;
  private volatile boolean stopping;
  private Thread thread;

  public LoaderLifecycle(BatchProperties props, Clients clients, LoaderMetrics metrics, Clock clock,
                         FaultInjection faults, ApplicationEventPublisher events) {
    this.props = props;
    this.events = events;
    this.store = clients.store();
    this.producer = clients.deadLetterProducer();
    Consumer<String, byte[]> consumer = clients.consumer();
    this.loop = new LoaderLoop(props, consumer, producer, store, clock, metrics, faults);
  }

  public LoaderLoop loop() {
    return loop;
  }

  @Override
  public void start() {
    thread = new Thread(() -> {
      loop.run();
      if (!stopping) {
        // The loop died (see its log): liveness goes down so the orchestrator restarts us; the
        // uncommitted records are re-read by the next run.
        AvailabilityChangeEvent.publish(events, this, LivenessState.BROKEN);
      }
    }, "batch-loader");
    thread.start();
  }

  @Override
  public void stop() {
    stopping = true;
    loop.stop();
    try {
      thread.join(props.shutdownTimeout().toMillis() + 10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close();
    store.close();
  }

  @Override
  public boolean isRunning() {
    return thread != null && thread.isAlive();
  }
}
