package dev.millrace.enricher.enrich;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Bounded exponential backoff with "equal jitter": the n-th wait is drawn from [d/2, d] with
 * d = min(max, initial * 2^(n-1)). Jitter keeps many enricher instances from retrying in lockstep
 * when the API comes back (the thundering herd, see
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/); the floor of d/2
 * keeps the wait growing.
 */
public final class Backoff {

  private final Duration initial;
  private final Duration max;
  private final DoubleSupplier random;

  /** @param random uniform in [0, 1); injected so tests get exact delays */
  public Backoff(Duration initial, Duration max, DoubleSupplier random) {
    this.initial = initial;
    this.max = max;
    this.random = random;
  }

  /** The wait before attempt {@code failures + 1}, after {@code failures} (>= 1) failures in a row. */
  public Duration delay(int failures) {
    int shift = Math.min(Math.max(failures - 1, 0), 30);
    long ceiling = Math.min(max.toMillis(), initial.toMillis() << shift);
    if (ceiling <= 0) {
      ceiling = max.toMillis();
    }
    long half = ceiling / 2;
    return Duration.ofMillis(half + (long) (random.getAsDouble() * (ceiling - half + 1)));
  }
}
