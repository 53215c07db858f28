package dev.millrace.enrichment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The service's meters. Prometheus names: {@code millrace_enrichment_items_total{outcome}} (rate()
 * it for items/s), {@code millrace_enrichment_duration_seconds{enrichment}},
 * {@code millrace_enrichment_errors_total{enrichment,reason}},
 * {@code millrace_enrichment_calls_total{outcome}}, {@code millrace_enrichment_call_duration_seconds},
 * {@code millrace_enrichment_batch_items}, and the user-agent cache's
 * {@code millrace_enrichment_useragent_cache_hit_ratio} and {@code cache_gets_total{cache="useragent"}}.
 */
public final class EnrichmentMetrics {

  /** The enrichments, by their name on the wire ({@code Enrichment.applied}) and in metrics. */
  public enum Step {
    USER_AGENT("user_agent"), CAMPAIGN("campaign"), REFERRER("referrer"), IP("ip"), PII("pii"),
    BOT("bot");

    private final String wireName;

    Step(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  /** How a call ended. */
  public enum CallOutcome { OK, CANCELLED, DEADLINE_EXCEEDED, INVALID_ARGUMENT }

  private final MeterRegistry registry;
  private final Counter enriched;
  private final Counter failed;
  private final Map<Step, LongAdder> stepCounts = new EnumMap<>(Step.class);
  private final Map<Step, LongAdder> stepNanos = new EnumMap<>(Step.class);
  private final Map<CallOutcome, Counter> calls = new EnumMap<>(CallOutcome.class);
  private final Timer callDuration;
  private final DistributionSummary batchItems;

  public EnrichmentMetrics(MeterRegistry registry) {
    this.registry = registry;
    enriched = Counter.builder("millrace.enrichment.items").tag("outcome", "enriched")
        .description("Items answered with an enrichment").register(registry);
    failed = Counter.builder("millrace.enrichment.items").tag("outcome", "failed")
        .description("Items answered with an error").register(registry);
    // Six steps per item on the hot path: two LongAdder adds each instead of a Timer record
    // (which takes a lock-free but far heavier histogram update). Prometheus gets _count and _sum,
    // so rate(sum)/rate(count) is the mean time per item of each enrichment.
    for (Step step : Step.values()) {
      LongAdder count = new LongAdder();
      LongAdder nanos = new LongAdder();
      stepCounts.put(step, count);
      stepNanos.put(step, nanos);
      FunctionTimer.builder("millrace.enrichment.duration", nanos, n -> count.sum(), LongAdder::sum,
              TimeUnit.NANOSECONDS)
          .tag("enrichment", step.wireName())
          .description("Time one enrichment took on one item").register(registry);
    }
    for (CallOutcome outcome : CallOutcome.values()) {
      calls.put(outcome, Counter.builder("millrace.enrichment.calls")
          .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
          .description("Enrich calls by how they ended").register(registry));
    }
    callDuration = Timer.builder("millrace.enrichment.call.duration")
        .publishPercentileHistogram()
        .description("Time to answer one Enrich call").register(registry);
    batchItems = DistributionSummary.builder("millrace.enrichment.batch.items")
        .description("Items per Enrich call").register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  void recordStep(Step step, long nanos) {
    stepCounts.get(step).increment();
    stepNanos.get(step).add(nanos);
  }

  void recordItem(boolean ok) {
    (ok ? enriched : failed).increment();
  }

  void recordError(Step step, String reason) {
    registry.counter("millrace.enrichment.errors", "enrichment", step.wireName(), "reason", reason)
        .increment();
  }

  /** Records an item refused before any enrichment ran (enrichment tag {@code input}). */
  public void recordRefusedItem(String reason) {
    failed.increment();
    registry.counter("millrace.enrichment.errors", "enrichment", "input", "reason", reason).increment();
  }

  /** Records a finished call. */
  public void recordCall(CallOutcome outcome, int items, long nanos) {
    calls.get(outcome).increment();
    batchItems.record(items);
    callDuration.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Items answered so far, enriched and failed. */
  public double itemsAnswered() {
    return enriched.count() + failed.count();
  }

  public double calls(CallOutcome outcome) {
    return calls.get(outcome).count();
  }
}
