package dev.millrace.enricher;

import dev.millrace.enricher.enrich.RetryClock;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand; sleeping moves it, so nothing really waits. */
public final class MutableClock implements RetryClock {

  private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
  public final AtomicLong slept = new AtomicLong();

  @Override
  public long millis() {
    return now.get();
  }

  @Override
  public void sleep(long millis) {
    slept.addAndGet(millis);
    now.addAndGet(millis);
  }

  public void advance(long millis) {
    now.addAndGet(millis);
  }
}
