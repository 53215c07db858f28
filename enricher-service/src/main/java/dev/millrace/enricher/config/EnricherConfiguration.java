package dev.millrace.enricher.config;

import dev.millrace.enricher.enrich.CachingEnricher;
import dev.millrace.enricher.enrich.Enricher;
import dev.millrace.enricher.enrich.EnrichmentChannels;
import dev.millrace.enricher.enrich.EnrichmentClient;
import dev.millrace.enricher.enrich.RetryClock;
import dev.millrace.enricher.ops.EnricherStreams;
import dev.millrace.enricher.ops.MicrometerEnricherMetrics;
import dev.millrace.enricher.ops.StreamsHealthIndicator;
import dev.millrace.enricher.schema.PayloadValidator;
import dev.millrace.enricher.schema.S3SchemaStore;
import dev.millrace.enricher.schema.SchemaStore;
import dev.millrace.enricher.schema.SchemasEndpoint;
import dev.millrace.enricher.topology.EnrichOptions;
import dev.millrace.enricher.topology.EnricherTopics;
import dev.millrace.enricher.topology.EnricherTopology;
import dev.millrace.retry.Backoff;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
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
  PayloadValidator payloadValidator(EnricherProperties p, MeterRegistry registry) {
    PayloadValidator validator = new PayloadValidator(schemaStore(p.schemas()), p.schemas().segmentFallback());
    Gauge.builder("millrace.enricher.schemas.loaded", validator, PayloadValidator::loadedCount)
        .description("schema versions in use").register(registry);
    Gauge.builder("millrace.enricher.schemas.rejected", validator, PayloadValidator::rejectedCount)
        .description("schema versions rejected (not compiling, an example not conforming, not an ADDITION"
            + " of the version before) and not fixed since").register(registry);
    return validator;
  }

  /** The schemas' location: classpath, directory, HTTP base URL or S3/MinIO prefix. */
  public static SchemaStore schemaStore(EnricherProperties.Schemas schemas) {
    if (schemas.location().startsWith("s3://")) {
      EnricherProperties.S3 s3 = schemas.s3();
      if (s3.endpoint().isBlank()) {
        throw new IllegalArgumentException("millrace.enricher.schemas.s3.endpoint is required for the location "
            + schemas.location());
      }
      return new S3SchemaStore(schemas.location(), s3.endpoint(), s3.region(), s3.accessKey(), s3.secretKey());
    }
    return SchemaStore.at(schemas.location());
  }

  /** Looks up missing and rejected schema versions again on the configured interval. */
  @Bean(destroyMethod = "shutdownNow")
  java.util.concurrent.ScheduledExecutorService schemaRefresh(EnricherProperties p, PayloadValidator validator) {
    java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, "schema-refresh");
          t.setDaemon(true);
          return t;
        });
    long every = p.schemas().refreshInterval().toMillis();
    if (every > 0) {
      timer.scheduleWithFixedDelay(validator::refresh, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    return timer;
  }

  @Bean
  SchemasEndpoint schemasEndpoint(PayloadValidator validator) {
    return new SchemasEndpoint(validator);
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
        Backoff.jittered(e.backoffInitial(), e.backoffMax()),
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
