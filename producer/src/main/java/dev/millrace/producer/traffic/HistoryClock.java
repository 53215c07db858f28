package dev.millrace.producer.traffic;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * A clock for {@link TrafficGenerator} that spreads a run's {@code occurred_at} over the last days:
 * the i-th of {@code count} readings is i/count of the way from midnight UTC {@code days} days ago to
 * the moment the run started. Time only moves forward, so a batch loader that partitions by
 * {@code occurred_at} sees each hour's events before the next hour's and can mark hours complete
 * as the run goes (a shuffled spread would leave every hour open until the end). Whole past days
 * then hold traffic for the curation job. Not thread-safe: one generator reads it.
 */
public final class HistoryClock extends Clock {

  /** Past midnight, so the generator's few seconds of jitter keep the first events in the first day. */
  static final Duration START_MARGIN = Duration.ofSeconds(5);

  private final Instant start;
  private final long stepNanos;
  private long readings;

  /**
   * @param days how many whole days before today the run covers (at least 1)
   * @param count how many readings the run will take (its event count); past it, time stays at the end
   * @param now the run's start, e.g. {@code Clock.systemUTC()}
   */
  public HistoryClock(int days, long count, Clock now) {
    if (days < 1 || days > 29) {
      // The collector refuses occurred_at more than its max-past-age (30 days by default) back.
      throw new IllegalArgumentException("--history-days must be from 1 to 29, was " + days);
    }
    if (count < 1) {
      throw new IllegalArgumentException("--history-days needs a --count (the spread is over a known number of events)");
    }
    Instant end = now.instant();
    this.start = end.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(days)).plus(START_MARGIN);
    this.stepNanos = Duration.between(start, end).toNanos() / count;
  }

  /** The first reading: midnight of the first day (plus a margin). */
  public Instant start() {
    return start;
  }

  @Override
  public Instant instant() {
    Instant at = start.plusNanos(stepNanos * readings);
    readings++;
    return at;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("occurred_at is UTC");
  }
}
