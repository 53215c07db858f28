package dev.millrace.batch.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Clock clock = new Clock() {
    @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    @Override public Instant instant() { return Instant.ofEpochMilli(now.get()); }
  };

  @Test
  void waitsGrowExponentiallyUpToTheCapWithJitterInTheUpperHalf() {
    Backoff top = new Backoff(clock, Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.999999);
    assertThat(top.failed().toMillis()).isEqualTo(99);
    assertThat(top.failed().toMillis()).isEqualTo(199);
    assertThat(top.failed().toMillis()).isEqualTo(399);
    assertThat(top.failed().toMillis()).isEqualTo(799);
    assertThat(top.failed().toMillis()).isEqualTo(999);
    Backoff bottom = new Backoff(clock, Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0);
    bottom.failed();
    assertThat(bottom.failed().toMillis()).isEqualTo(100);
  }

  @Test
  void notReadyUntilTheWaitHasPassedAndResetOnSuccess() {
    Backoff b = new Backoff(clock, Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0);
    assertThat(b.ready()).isTrue();
    b.failed();
    assertThat(b.ready()).isFalse();
    assertThat(b.failing()).isTrue();
    now.addAndGet(50);
    assertThat(b.ready()).isTrue();
    b.succeeded();
    assertThat(b.failing()).isFalse();
  }
}
