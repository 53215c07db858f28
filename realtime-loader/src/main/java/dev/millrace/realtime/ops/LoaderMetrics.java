package dev.millrace.realtime.ops;

import dev.millrace.realtime.index.LoaderDocument;
import dev.millrace.realtime.index.LoaderDocument.Kind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
  private final AtomicLong lag = new AtomicLong();
  private final AtomicLong paused = new AtomicLong();

  public LoaderMetrics(MeterRegistry registry) {
    this.registry = registry;
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

  public void dropped(LoaderDocument doc) {
    Counter.builder("millrace.realtime.dropped")
        .description("Minimal dead letters Elasticsearch refused: should stay 0; alert on it")
        .register(registry)
        .increment();
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
