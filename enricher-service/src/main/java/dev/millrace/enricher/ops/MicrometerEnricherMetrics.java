package dev.millrace.enricher.ops;

import dev.millrace.enricher.topology.EnricherMetrics;
import dev.millrace.proto.v1.ReasonCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The topology's metrics in Micrometer (exported at /actuator/prometheus). */
public final class MicrometerEnricherMetrics implements EnricherMetrics {

  private final Counter received;
  private final Counter enriched;
  private final Map<ReasonCode, Counter> deadLetters = new EnumMap<>(ReasonCode.class);
  private final Timer callOk;
  private final Timer callUnavailable;
  private final DistributionSummary batchSize;
  private final AtomicLong pending = new AtomicLong();

  public MicrometerEnricherMetrics(MeterRegistry registry) {
    received = Counter.builder("millrace.enricher.records.received")
        .description("raw records read").register(registry);
    enriched = Counter.builder("millrace.enricher.records.enriched")
        .description("records written to the enriched topic").register(registry);
    for (ReasonCode reason : new ReasonCode[] {ReasonCode.UNDECODABLE, ReasonCode.UNKNOWN_SCHEMA,
        ReasonCode.SCHEMA_VIOLATION, ReasonCode.ENRICHMENT_FAILED, ReasonCode.ENRICHMENT_UNAVAILABLE}) {
      deadLetters.put(reason, Counter.builder("millrace.enricher.dead.letters")
          .description("records written to the dead-letter topic, by reason")
          .tag("reason", reason.name()).register(registry));
    }
    callOk = Timer.builder("millrace.enricher.enrichment.latency")
        .description("enrichment API calls").tag("outcome", "ok")
        .publishPercentileHistogram().register(registry);
    callUnavailable = Timer.builder("millrace.enricher.enrichment.latency")
        .description("enrichment API calls").tag("outcome", "unavailable")
        .publishPercentileHistogram().register(registry);
    batchSize = DistributionSummary.builder("millrace.enricher.enrichment.batch.size")
        .description("records per enrichment API call").baseUnit("records").register(registry);
    Gauge.builder("millrace.enricher.pending", pending, AtomicLong::get)
        .description("records waiting for the enrichment API in pending stores").register(registry);
  }

  @Override
  public void received() {
    received.increment();
  }

  @Override
  public void enriched() {
    enriched.increment();
  }

  @Override
  public void deadLettered(ReasonCode reason) {
    Counter c = deadLetters.get(reason);
    if (c != null) {
      c.increment();
    }
  }

  @Override
  public void enrichmentCall(long nanos, int size, boolean ok) {
    (ok ? callOk : callUnavailable).record(nanos, TimeUnit.NANOSECONDS);
    if (ok) {
      batchSize.record(size);
    }
  }

  @Override
  public void pending(int delta) {
    pending.addAndGet(delta);
  }
}
