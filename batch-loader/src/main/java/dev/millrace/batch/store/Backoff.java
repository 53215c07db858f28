package dev.millrace.batch.store;

import java.time.Clock;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter for calls to the object store. It never sleeps: the loader's
 * poll loop asks {@link #ready()} between polls, so the Kafka consumer keeps its group membership
 * while the store is down. Jitter spreads the retries of many loaders after an outage, so they do
 * not come back as a thundering herd
 * (<a href="https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/">AWS note</a>).
 */
public final class Backoff {

  private final Clock clock;
  private final long initialMillis;
  private final long maxMillis;
  private final DoubleSupplier random;
  private int failures;
  private long nextAttemptMillis = Long.MIN_VALUE;

  public Backoff(Clock clock, Duration initial, Duration max, DoubleSupplier random) {
    this.clock = clock;
    this.initialMillis = initial.toMillis();
    this.maxMillis = max.toMillis();
    this.random = random;
  }

  /** True when no wait is pending: the next attempt may run now. */
  public boolean ready() {
    return clock.millis() >= nextAttemptMillis;
  }

  public boolean failing() {
    return failures > 0;
  }

  public int failures() {
    return failures;
  }

  /** Records a failure; returns the wait before the next attempt. */
  public Duration failed() {
    failures++;
    long ceiling = Math.min(maxMillis, initialMillis << Math.min(failures - 1, 30));
    // Full jitter, floored at half the ceiling so a retry is never immediate.
    long wait = ceiling / 2 + (long) (random.getAsDouble() * (ceiling - ceiling / 2));
    nextAttemptMillis = clock.millis() + wait;
    return Duration.ofMillis(wait);
  }

  public void succeeded() {
    failures = 0;
    nextAttemptMillis = Long.MIN_VALUE;
  }
}
