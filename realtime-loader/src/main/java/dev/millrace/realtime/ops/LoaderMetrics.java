package dev.millrace.realtime.ops;

import dev.millrace.realtime.index.LoaderDocument;
import dev.millrace.realtime.index.LoaderDocument.Kind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The loader's meters; names and tags are listed in the README. */
public final class LoaderMetrics {

  private final MeterRegistry registry;
  private final Counter events;
  private final Counter deadLetters;
  private final Counter retries;
  private final Counter bulkFailures;
  private final Timer bulk;
  private final Counter fallbackRefusals;
  private final AtomicLong lag = new AtomicLong();
  private final AtomicLong paused = new AtomicLong();
  private final LoaderStatus status;

  public LoaderMetrics(MeterRegistry registry) {
    this(registry, new LoaderStatus(Clock.systemUTC()));
  }

  public LoaderMetrics(MeterRegistry registry, LoaderStatus status) {
    this.registry = registry;
    this.status = status;
    this.events = documents("event");
    this.deadLetters = documents("dead_letter");
    this.retries = Counter.builder("millrace.realtime.bulk.retried.items")
        .description("Documents sent again after a 429/5xx item or a failed bulk request")
        .register(registry);
    this.bulkFailures = Counter.builder("millrace.realtime.bulk.failures")
        .description("Bulk requests that failed as a whole (e.g. Elasticsearch unreachable)")
        .register(registry);
    this.bulk = Timer.builder("millrace.realtime.bulk.latency")
        .description("Duration of one bulk request")
        .publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
    Gauge.builder("millrace.realtime.consumer.lag", lag, AtomicLong::get)
        .description("Records on the consumed topics not yet read by this loader")
        .register(registry);
    Gauge.builder("millrace.realtime.consumer.paused", paused, AtomicLong::get)
        .description("1 while fetching is paused because bulks are backed up (e.g. Elasticsearch down)")
        .register(registry);
    this.fallbackRefusals = Counter.builder("millrace.realtime.fallback.refusals")
        .description("Times Elasticsearch refused a minimal dead letter; its record is held back and retried")
        .register(registry);
    Gauge.builder("millrace.realtime.blocked.records", status, LoaderStatus::blockedCount)
        .description("Records held back because Elasticsearch refuses even their minimal dead letter:"
            + " nothing after them is committed; should stay 0, alert on it")
        .register(registry);
  }

  /** Which records are held back; read by the health indicator. */
  public LoaderStatus status() {
    return status;
  }

  private Counter documents(String kind) {
    return Counter.builder("millrace.realtime.documents")
        .description("Documents stored in Elasticsearch (rate = docs/s)")
        .tag("kind", kind)
        .register(registry);
  }

  public void indexed(LoaderDocument doc) {
    if (doc.kind() == Kind.EVENT) {
      events.increment();
    } else {
      deadLetters.increment();
      Counter.builder("millrace.realtime.dead.letters")
          .description("Dead letters stored, by stage and reason code")
          .tag("stage", doc.stage())
          .tag("reason", doc.reason())
          .register(registry)
          .increment();
    }
  }

  public void bulkDone(long nanos, int documents) {
    bulk.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void bulkFailed() {
    bulkFailures.increment();
  }

  public void retried(int items) {
    retries.increment(items);
  }

  /** Elasticsearch refused a minimal dead letter: the record is held back, not dropped. */
  public void fallbackRefused() {
    fallbackRefusals.increment();
  }

  public void lag(long records) {
    lag.set(records);
  }

  public void paused(boolean isPaused) {
    paused.set(isPaused ? 1 : 0);
  }

  public double indexedEvents() {
    return events.count();
  }
}
