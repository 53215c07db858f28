package dev.millrace.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static final double LOWEST = 0.0;
  private static final double HIGHEST = 0.999999;

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Clock clock = new Clock() {
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(ZoneId zone) { return this; }
    @Override public Instant instant() { return Instant.ofEpochMilli(now.get()); }
  };

  @Test
  void waitsDoubleFromTheFirstFailureUpToTheCap() {
    Backoff highest = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), () -> HIGHEST);

    assertThat(highest.delay(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(highest.delay(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(highest.delay(5)).isEqualTo(Duration.ofMillis(1600));
    assertThat(highest.delay(6)).isEqualTo(Duration.ofSeconds(2));
    assertThat(highest.delay(10_000)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void jitterSpreadsEachWaitOverItsUpperHalfBothEndsIncluded() {
    Backoff lowest = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> LOWEST);
    Backoff middle = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.5);
    Backoff highest = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> HIGHEST);

    assertThat(lowest.delay(1)).isEqualTo(Duration.ofMillis(50));
    assertThat(lowest.delay(3)).isEqualTo(Duration.ofMillis(200));
    assertThat(middle.delay(3)).isEqualTo(Duration.ofMillis(300));
    assertThat(highest.delay(3)).isEqualTo(Duration.ofMillis(400));
    assertThat(lowest.delay(10_000)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void aFailureCountBelowOneCountsAsTheFirst() {
    Backoff highest = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), () -> HIGHEST);

    assertThat(highest.delay(0)).isEqualTo(highest.delay(1));
    assertThat(highest.delay(-5)).isEqualTo(highest.delay(1));
  }

  @Test
  void aHugeFailureCountNeitherOverflowsNorExceedsTheCap() {
    Backoff policy = new Backoff(Duration.ofMillis(1), Duration.ofMinutes(1), () -> 0.5);
    Backoff longFirst = new Backoff(Duration.ofDays(10_000), Duration.ofDays(20_000), () -> LOWEST);

    assertThat(policy.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMillis(45_000));
    assertThat(longFirst.delay(Integer.MAX_VALUE)).as("half of the cap").isEqualTo(Duration.ofDays(10_000));
  }

  @Test
  void aZeroInitialWaitRetriesAtOnceAndBadBoundsAreRefused() {
    assertThat(new Backoff(Duration.ZERO, Duration.ofSeconds(1), () -> HIGHEST).delay(30)).isZero();
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), () -> 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial <= max");
    assertThatThrownBy(() -> new Backoff(Duration.ofMillis(-1), Duration.ofSeconds(1), () -> 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // Each stage's configuration, with its default bounds.

  @Test
  void theEnrichersWaitsBetweenCallsToTheEnrichmentApi() {
    // millrace.enricher.enrichment.backoff-initial / backoff-max
    Backoff enricher = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), () -> HIGHEST);

    assertThat(enricher.delay(1)).isEqualTo(Duration.ofMillis(200));
    assertThat(enricher.delay(6)).isEqualTo(Duration.ofMillis(6400));
    assertThat(enricher.delay(7)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void theRealtimeLoadersWaitsBetweenBulkRequests() {
    // millrace.realtime.retry.initial-backoff / max-backoff
    Backoff realtime = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.9999);

    assertThat(realtime.delay(1)).isBetween(Duration.ofMillis(99), Duration.ofMillis(100));
    assertThat(realtime.delay(2)).isBetween(Duration.ofMillis(199), Duration.ofMillis(200));
    assertThat(realtime.delay(4)).isBetween(Duration.ofMillis(799), Duration.ofMillis(800));
    assertThat(realtime.delay(8)).isEqualTo(realtime.delay(41))
        .isBetween(Duration.ofMillis(9990), Duration.ofSeconds(10));
  }

  @Test
  void theBatchLoadersTrackerWaitsBetweenStoreCallsWithoutSleeping() {
    // millrace.batch.retry.initial-backoff / max-backoff, as the batch loader's tests configure it
    Backoff.Tracker top = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> HIGHEST).tracker(clock);
    assertThat(top.failed().toMillis()).isEqualTo(100);
    assertThat(top.failed().toMillis()).isEqualTo(200);
    assertThat(top.failed().toMillis()).isEqualTo(400);
    assertThat(top.failed().toMillis()).isEqualTo(800);
    assertThat(top.failed().toMillis()).isEqualTo(1000);
    assertThat(top.failures()).isEqualTo(5);
    Backoff.Tracker bottom = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> LOWEST).tracker(clock);
    bottom.failed();
    assertThat(bottom.failed().toMillis()).isEqualTo(100);
  }

  @Test
  void aTrackerIsNotReadyUntilTheWaitHasPassedAndStartsOverOnSuccess() {
    Backoff policy = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> LOWEST);
    Backoff.Tracker t = policy.tracker(clock);
    assertThat(t.ready()).isTrue();
    assertThat(t.failing()).isFalse();

    t.failed();
    assertThat(t.ready()).isFalse();
    assertThat(t.failing()).isTrue();
    now.addAndGet(49);
    assertThat(t.ready()).isFalse();
    now.addAndGet(1);
    assertThat(t.ready()).isTrue();

    t.failed();
    t.succeeded();
    assertThat(t.failing()).isFalse();
    assertThat(t.ready()).isTrue();
    assertThat(t.failed()).as("the first wait again").isEqualTo(Duration.ofMillis(50));
    assertThat(policy.tracker(clock).failing()).as("each tracker its own count").isFalse();
  }
}
