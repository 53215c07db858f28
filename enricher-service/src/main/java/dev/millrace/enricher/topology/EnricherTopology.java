package dev.millrace.enricher.topology;

import dev.millrace.enricher.enrich.Enricher;
import dev.millrace.enricher.enrich.RetryClock;
import dev.millrace.enricher.schema.PayloadValidator;
import org.apache.kafka.streams.Topology;

/**
 * The enricher: raw topic in, enriched topic and dead-letter topic out.
 *
 * <pre>
 *   raw ──► validate-enrich ──► enriched
 *              │    ▲       └─► dead-letters
 *              ▼    │
 *         pending store (changelogged)
 * </pre>
 *
 * Valid records wait in the pending store for their batch; the store's changelog is written in
 * the same transaction as the input offsets (exactly_once_v2), so a crash can never commit a
 * record's offset without the record being either written out or still pending.
 */
public final class EnricherTopology {

  public static final String SOURCE = "raw";
  public static final String PROCESSOR = "validate-enrich";
  public static final String ENRICHED_SINK = "enriched";
  public static final String DEAD_LETTER_SINK = "dead-letters";
  /** The pending store; its changelog topic is {@code <application.id>-enricher-pending-changelog}. */
  public static final String PENDING_STORE = "enricher-pending";

  private EnricherTopology() {}

  public static Topology build(EnricherTopics topics, PayloadValidator validator, Enricher enricher,
                               EnrichOptions options, EnricherMetrics metrics, RetryClock clock) {
    Topology topology = new Topology();
    topology.addSource(SOURCE, topics.raw().keySerde().deserializer(),
        topics.raw().valueSerde().deserializer(), topics.raw().name());
    topology.addProcessor(PROCESSOR,
        () -> new EnrichProcessor(validator, enricher, options, metrics, clock), SOURCE);
    // Most records are enriched within one commit interval: they never reach the changelog.
    topology.addStateStore(PendingStore.builder(PENDING_STORE), PROCESSOR);
    topology.addSink(ENRICHED_SINK, topics.enriched().name(), topics.enriched().keySerde().serializer(),
        topics.enriched().valueSerde().serializer(), PROCESSOR);
    topology.addSink(DEAD_LETTER_SINK, topics.deadLetters().name(),
        topics.deadLetters().keySerde().serializer(), topics.deadLetters().valueSerde().serializer(),
        PROCESSOR);
    return topology;
  }
}
