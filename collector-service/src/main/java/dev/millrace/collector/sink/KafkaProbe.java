package dev.millrace.collector.sink;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the cluster for its nodes at a fixed interval. Drives readiness, the gRPC health status and
 * the fast 503: while the broker is unreachable, a request is refused at once instead of waiting out
 * the producer's delivery timeout.
 */
public final class KafkaProbe implements AutoCloseable {

  /** What the last probe found. */
  public enum State { UNKNOWN, UP, DOWN }

  private static final Logger log = LoggerFactory.getLogger(KafkaProbe.class);

  private final Admin admin;
  private final Duration interval;
  private final AtomicReference<State> state = new AtomicReference<>(State.UNKNOWN);
  private final ScheduledExecutorService timer;
  private volatile Consumer<State> listener = s -> { };

  public KafkaProbe(Admin admin, Duration interval) {
    this.admin = admin;
    this.interval = interval;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "millrace-kafka-probe");
      t.setDaemon(true);
      return t;
    });
  }

  /** Probes now and then every interval. */
  public void start() {
    timer.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  public void onChange(Consumer<State> listener) {
    this.listener = listener;
    listener.accept(state.get());
  }

  void probe() {
    State next;
    try {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) interval.toMillis()))
          .nodes().get(interval.toMillis() + 500, TimeUnit.MILLISECONDS);
      next = State.UP;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      next = State.DOWN;
    }
    State previous = state.getAndSet(next);
    if (previous != next) {
      if (next == State.DOWN) {
        log.warn("Kafka is unreachable: requests get 503 until it is back");
      } else {
        log.info("Kafka is reachable");
      }
      listener.accept(next);
    }
  }

  public State state() {
    return state.get();
  }

  /** False only while the broker is known to be down; before the first probe a send may try. */
  public boolean reachable() {
    return state.get() != State.DOWN;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    admin.close(Duration.ofSeconds(2));
  }
}
