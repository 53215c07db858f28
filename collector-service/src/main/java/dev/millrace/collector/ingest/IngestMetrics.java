package dev.millrace.collector.ingest;

import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.sink.EventSink;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * The collector's meters (Prometheus names in the README):
 * {@code millrace_collector_events_total{transport,outcome,reason}},
 * {@code millrace_collector_request_seconds{transport,outcome}} (histogram),
 * {@code millrace_collector_in_flight_bytes}, {@code millrace_collector_memory_reserved_bytes},
 * {@code millrace_collector_memory_reserved_peak_bytes}, {@code millrace_collector_memory_budget_bytes}
 * and {@code millrace_collector_memory_refusals_total{transport}}.
 */
public final class IngestMetrics {

  private final MeterRegistry registry;
  private final Map<Transport, Counter> accepted = new EnumMap<>(Transport.class);
  private final Map<Transport, Counter> overBudget = new EnumMap<>(Transport.class);

  public IngestMetrics(MeterRegistry registry, EventSink sink, MemoryBudget budget) {
    this.registry = registry;
    Gauge.builder("millrace.collector.in.flight", sink, EventSink::inFlightBytes)
        .baseUnit("bytes")
        .description("Event bytes sent to Kafka and not yet acknowledged")
        .register(registry);
    Gauge.builder("millrace.collector.memory.reserved", budget, MemoryBudget::reservedBytes)
        .baseUnit("bytes")
        .description("Bytes of the memory budget reserved by requests now")
        .register(registry);
    Gauge.builder("millrace.collector.memory.reserved.peak", budget, MemoryBudget::peakBytes)
        .baseUnit("bytes")
        .description("The most bytes of the memory budget reserved at once since start")
        .register(registry);
    Gauge.builder("millrace.collector.memory.budget", budget, MemoryBudget::limitBytes)
        .baseUnit("bytes")
        .description("The configured memory budget (millrace.collector.memory-budget)")
        .register(registry);
    for (Transport t : new Transport[] {Transport.TRANSPORT_REST, Transport.TRANSPORT_GRPC,
        Transport.TRANSPORT_SEGMENT, Transport.TRANSPORT_SNOWPLOW}) {
      accepted.put(t, events(t, "accepted", "none"));
      overBudget.put(t, Counter.builder("millrace.collector.memory.refusals")
          .description("Requests refused (503 / RESOURCE_EXHAUSTED) because the memory budget was full")
          .tag("transport", name(t))
          .register(registry));
    }
  }

  /** A request refused because the memory budget could not take it. */
  public void overBudget(Transport transport) {
    overBudget.get(transport).increment();
  }

  private Counter events(Transport transport, String outcome, String reason) {
    return Counter.builder("millrace.collector.events")
        .description("Events answered, by outcome and rejection reason")
        .tag("transport", name(transport))
        .tag("outcome", outcome)
        .tag("reason", reason)
        .register(registry);
  }

  public void accepted(Transport transport, int count) {
    accepted.get(transport).increment(count);
  }

  public void rejected(Transport transport, ReasonCode reason) {
    events(transport, "rejected", reason.name()).increment();
  }

  /**
   * @param outcome "ok", or the kind of whole-request refusal (e.g. "unavailable", "unauthorized")
   */
  public void request(Transport transport, String outcome, Duration elapsed) {
    Timer.builder("millrace.collector.request")
        .description("Time from receiving a request to answering it")
        .tag("transport", name(transport))
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(registry)
        .record(elapsed);
  }

  private static String name(Transport t) {
    return switch (t) {
      case TRANSPORT_REST -> "rest";
      case TRANSPORT_GRPC -> "grpc";
      case TRANSPORT_SEGMENT -> "segment";
      case TRANSPORT_SNOWPLOW -> "snowplow";
      default -> "unknown";
    };
  }
}
