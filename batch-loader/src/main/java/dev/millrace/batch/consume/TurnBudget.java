package dev.millrace.batch.consume;

import java.time.Clock;
import java.time.Duration;

/**
 * The budget of one loop turn (a poll and what follows): no store call and no dead-letter send
 * starts once it is spent, and each ends within its own timeout, so a slow store delays the next
 * poll by at most the budget plus one call (see {@link LoaderLoop}).
 */
final class TurnBudget {

  private final Clock clock;
  private final long budgetMillis;
  /** No store call or dead-letter send starts at or after this (clock millis). */
  private long endsAtMillis = Long.MAX_VALUE;

  TurnBudget(Clock clock, Duration budget) {
    this.clock = clock;
    this.budgetMillis = budget.toMillis();
  }

  /** A turn starts now (after a poll). */
  void start() {
    endsAtMillis = clock.millis() + budgetMillis;
  }

  /** A turn starts now and ends by {@code deadlineMillis} at the latest (shutdown). */
  void start(long deadlineMillis) {
    endsAtMillis = Math.min(clock.millis() + budgetMillis, deadlineMillis);
  }

  /** True once this turn's budget is spent: the loop goes back to poll before the next call. */
  boolean over() {
    return clock.millis() >= endsAtMillis;
  }
}
