package dev.millrace.enricher.config;

import dev.millrace.enricher.enrich.Backoff;
import dev.millrace.enricher.enrich.CachingEnricher;
import dev.millrace.enricher.enrich.Enricher;
import dev.millrace.enricher.enrich.EnrichmentChannels;
import dev.millrace.enricher.enrich.EnrichmentClient;
import dev.millrace.enricher.enrich.RetryClock;
import dev.millrace.enricher.ops.EnricherStreams;
import dev.millrace.enricher.ops.MicrometerEnricherMetrics;
import dev.millrace.enricher.ops.StreamsHealthIndicator;
import dev.millrace.enricher.schema.PayloadValidator;
import dev.millrace.enricher.schema.SchemaStore;
import dev.millrace.enricher.topology.EnrichOptions;
import dev.millrace.enricher.topology.EnricherTopics;
import dev.millrace.enricher.topology.EnricherTopology;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.Topology;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the pure parts (topology, validator, client) from the validated configuration. */
@Configuration(proxyBeanMethods = false)
public class EnricherConfiguration {

  /** Closed as a bean, i.e. after the streams (a lifecycle bean) have stopped making calls. */
  @Bean(destroyMethod = "shutdownNow")
  ManagedChannel enrichmentChannel(EnricherProperties p) {
    EnricherProperties.Enrichment e = p.enrichment();
    return EnrichmentChannels.plaintext(e.target(), e.maxAttempts(), e.backoffInitial(), e.backoffMax());
  }

  /** The enrichment client, behind the result cache unless that is turned off. */
  @Bean
  public static Enricher enricher(EnricherProperties p, ManagedChannel channel, MeterRegistry registry) {
    Enricher client = new EnrichmentClient(channel, p.enrichment().deadline());
    if (p.enrichment().cacheMaxEntries() == 0) {
      return client;
    }
    CachingEnricher cached = new CachingEnricher(client, p.enrichment().cacheMaxEntries(), p.enrichment().cacheTtl());
    CaffeineCacheMetrics.monitor(registry, cached.cache(), "enrichment");
    Gauge.builder("millrace.enricher.cache.hit.ratio", cached.cache(),
            c -> c.stats().hitRate())
        .description("share of enrichment inputs answered from the cache since start").register(registry);
    return cached;
  }

  @Bean
  PayloadValidator payloadValidator(EnricherProperties p) {
    return new PayloadValidator(SchemaStore.at(p.schemas().location()), p.schemas().segmentFallback());
  }

  @Bean
  Topology enricherTopology(EnricherProperties p, PayloadValidator validator, Enricher enricher,
                            MeterRegistry registry) {
    return EnricherTopology.build(topics(p), validator, enricher, options(p),
        new MicrometerEnricherMetrics(registry), RetryClock.SYSTEM);
  }

  @Bean
  EnricherStreams enricherStreams(EnricherProperties p, Topology topology, MeterRegistry registry) {
    return new EnricherStreams(topology, StreamsSettings.of(p), p.streams().closeTimeout(), registry);
  }

  @Bean("streams")
  StreamsHealthIndicator streamsHealthIndicator(EnricherStreams streams) {
    return new StreamsHealthIndicator(streams);
  }

  public static EnricherTopics topics(EnricherProperties p) {
    return EnricherTopics.of(p.topics().raw(), p.topics().enriched(), p.topics().deadLetter());
  }

  public static EnrichOptions options(EnricherProperties p) {
    EnricherProperties.Enrichment e = p.enrichment();
    return new EnrichOptions(e.batchSize(), e.linger(), e.maxPending(), e.maxBlock(),
        new Backoff(e.backoffInitial(), e.backoffMax(), () -> ThreadLocalRandom.current().nextDouble()),
        e.onUnavailable(), e.unavailableBound(), maxRecordBytes(p));
  }

  /**
   * The producer's {@code max.request.size}, as Kafka Streams will configure it from {@code
   * millrace.enricher.kafka.*}: a record over it fails its send, and under exactly-once that fails
   * the whole transaction, again on every retry, so the processor keeps its outputs under it.
   */
  static int maxRecordBytes(EnricherProperties p) {
    String v = p.kafka().getOrDefault("producer." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        p.kafka().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    if (v == null || v.isBlank()) {
      return EnrichOptions.DEFAULT_MAX_RECORD_BYTES;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException("millrace.enricher.kafka." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG
          + " must be a number of bytes, was '" + v + "'", ex);
    }
  }
}
