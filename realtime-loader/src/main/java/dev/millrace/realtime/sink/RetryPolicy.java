package dev.millrace.realtime.sink;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": attempt {@code n} waits between half and all of
 * {@code min(max, initial * 2^n)}. The jitter keeps loaders that failed together from retrying in
 * step against a recovering cluster (the thundering herd, see
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/); the half that is not
 * random keeps a retry from coming back at once.
 */
public final class RetryPolicy {

  private final Duration initial;
  private final Duration max;
  private final DoubleSupplier random;

  /** @param random uniform in [0, 1); tests pass a fixed value */
  public RetryPolicy(Duration initial, Duration max, DoubleSupplier random) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + ", " + max);
    }
    this.initial = initial;
    this.max = max;
    this.random = random;
  }

  /** How long to wait before retry number {@code attempt} (0 for the first retry). */
  public Duration delay(int attempt) {
    long capMillis = max.toMillis();
    long ceiling = initial.toMillis();
    for (int i = 0; i < attempt && ceiling < capMillis; i++) {
      ceiling *= 2;
    }
    ceiling = Math.min(ceiling, capMillis);
    long half = ceiling / 2;
    return Duration.ofMillis(half + (long) (random.getAsDouble() * (ceiling - half)));
  }
}
