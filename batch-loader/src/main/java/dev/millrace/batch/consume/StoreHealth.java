package dev.millrace.batch.consume;

import dev.millrace.retry.Backoff;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the object store answers, shared by every part of the loop that calls it (recovery,
 * upload, receipt clean-up, markers): a failed call backs off all of them, since the loop never
 * blocks on the store, and a call may only start within the turn's budget.
 */
final class StoreHealth {

  private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);

  private final Backoff.Tracker backoff;
  private final TurnBudget turn;
  private final LoaderMetrics metrics;
  private volatile String trouble;

  StoreHealth(Backoff.Tracker backoff, TurnBudget turn, LoaderMetrics metrics) {
    this.backoff = backoff;
    this.turn = turn;
    this.metrics = metrics;
  }

  /** True when a store call may start now: not backing off, and the turn's budget not spent. */
  boolean callAllowed() {
    return backoff.ready() && !turn.over();
  }

  /** True while the last store call failed. */
  boolean failing() {
    return backoff.failing();
  }

  void succeeded() {
    backoff.succeeded();
    trouble = null;
  }

  /** A store call failed: counted, and the next waits for the backoff. */
  void failed(String what, IOException e) {
    metrics.uploadFailures.increment();
    Duration wait = backoff.failed();
    trouble = "object store failing: " + e.getMessage();
    log.warn("{} failed, retry in {} ms: {}", what, wait.toMillis(), e.getMessage());
  }

  /** Why the loader is not ready for now (the store failing), or null. */
  String trouble() {
    return trouble;
  }
}
