package dev.millrace.retry;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The backoff of every stage that retries a transient fault (the enrichment API unavailable,
 * Elasticsearch answering 429/5xx, the object store or a dead-letter topic failing): bounded
 * exponential backoff with "equal jitter".
 *
 * <p><b>Attempt numbering.</b> Waits are numbered by the failures in a row so far, from 1: after
 * the {@code n}-th failure in a row the wait is drawn uniformly from {@code [d/2, d]} (whole
 * milliseconds), with {@code d = min(max, initial * 2^(n-1))}. So the first wait is between half
 * of {@code initial} and {@code initial}, and no wait is ever longer than {@code max}.
 *
 * <p><b>Why jitter, and why only half of it.</b> Instances that failed together (every loader when
 * the cluster went down) would otherwise retry in lockstep and meet a recovering server as a
 * thundering herd; spreading each wait over its upper half breaks that up, and the half that is
 * not random keeps the waits growing and a retry from coming back at once (AWS Architecture Blog,
 * <a href="https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/">Exponential
 * Backoff and Jitter</a>).
 *
 * <p>A policy holds no state: one instance may serve many threads. A caller that retries between
 * other work (a poll loop that must not sleep) keeps its failures and its next attempt time in a
 * {@link Tracker} of its own. Tests inject the random draw and the tracker's clock, so they never
 * sleep and get exact waits.
 */
public final class Backoff {

  private final long initialMillis;
  private final long maxMillis;
  private final DoubleSupplier random;

  /**
   * @param initial the longest first wait, at least 0 (0: retry at once, every time)
   * @param max the longest wait, at least {@code initial}
   * @param random uniform in [0, 1); tests pass a fixed value
   */
  public Backoff(Duration initial, Duration max, DoubleSupplier random) {
    if (initial.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 <= initial <= max, got " + initial + ", " + max);
    }
    this.initialMillis = initial.toMillis();
    this.maxMillis = max.toMillis();
    this.random = random;
  }

  /** A policy with a thread-local random draw, for production. */
  public static Backoff jittered(Duration initial, Duration max) {
    return new Backoff(initial, max, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * The wait after {@code failures} failures in a row (from 1; less counts as 1).
   */
  public Duration delay(int failures) {
    long ceiling = initialMillis;
    // Doubling stops at the cap, so neither a huge failure count nor a long initial overflows.
    for (int n = 1; n < failures && ceiling > 0 && ceiling < maxMillis; n++) {
      ceiling = ceiling > maxMillis / 2 ? maxMillis : ceiling * 2;
    }
    ceiling = Math.min(ceiling, maxMillis);
    long half = ceiling / 2;
    // random < 1, so this is at most ceiling: the whole upper half, both ends included.
    return Duration.ofMillis(half + (long) (random.getAsDouble() * (ceiling - half + 1)));
  }

  /** A tracker of one caller's failures in a row, on {@code clock}. */
  public Tracker tracker(Clock clock) {
    return new Tracker(clock);
  }

  /**
   * One caller's failures in a row and when it may try again, for a loop that asks between other
   * work instead of sleeping (so a Kafka consumer keeps its group membership while a store is
   * down). Not thread-safe: one per loop.
   */
  public final class Tracker {

    private final Clock clock;
    private int failures;
    private long nextAttemptMillis = Long.MIN_VALUE;

    private Tracker(Clock clock) {
      this.clock = clock;
    }

    /** True when no wait is pending: the next attempt may run now. */
    public boolean ready() {
      return clock.millis() >= nextAttemptMillis;
    }

    /** True after a failure, until a success. */
    public boolean failing() {
      return failures > 0;
    }

    /** Failures in a row so far. */
    public int failures() {
      return failures;
    }

    /** Records a failure; returns the wait before the next attempt, {@link #delay(int)} of the count. */
    public Duration failed() {
      if (failures < Integer.MAX_VALUE) {
        failures++;
      }
      Duration wait = delay(failures);
      nextAttemptMillis = clock.millis() + wait.toMillis();
      return wait;
    }

    /** Records a success: the next failure waits the first wait again. */
    public void succeeded() {
      failures = 0;
      nextAttemptMillis = Long.MIN_VALUE;
    }
  }
}
