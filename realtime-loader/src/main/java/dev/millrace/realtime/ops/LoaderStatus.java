package dev.millrace.realtime.ops;

import dev.millrace.realtime.index.Origin;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records the loader cannot store anywhere: Elasticsearch refused even their minimal dead letter.
 * Such a record is not skipped (its offset, and every later one, stays uncommitted) and is sent
 * again after a backoff until it is stored; meanwhile the loader reports health DOWN and the gauge
 * {@code millrace_realtime_blocked_records}. Thread-safe: the bulk threads write, health reads.
 */
public final class LoaderStatus {

  /** A record held back, since when, and Elasticsearch's last answer for it. */
  public record Blocked(Origin origin, String error, Instant since) {}

  private final ConcurrentHashMap<String, Blocked> blocked = new ConcurrentHashMap<>();
  private final Clock clock;

  public LoaderStatus(Clock clock) {
    this.clock = clock;
  }

  /** Marks the record blocked; returns the token that {@link #unblock} takes. */
  public Blocked block(Origin origin, String error) {
    Blocked b = new Blocked(origin, error, clock.instant());
    blocked.put(origin.coordinates(), b);
    return b;
  }

  /**
   * Clears a record's mark, if it is still the one {@code token} set (a redelivery of the same
   * record after a rebalance may have marked it again since).
   */
  public void unblock(Blocked token) {
    blocked.remove(token.origin().coordinates(), token);
  }

  public int blockedCount() {
    return blocked.size();
  }

  /** The record blocked the longest, if any. */
  public Optional<Blocked> oldestBlocked() {
    return blocked.values().stream().min(Comparator.comparing(Blocked::since));
  }
}
