package dev.millrace.enricher.config;

import dev.millrace.enricher.enrich.OnUnavailable;
import dev.millrace.proto.WireNames;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Every setting of the enricher, under {@code millrace.enricher}. Bound and validated before any
 * connection is made; a bad value stops start-up with a message naming its key. Each key is in
 * the README's table and works as an environment variable (e.g.
 * {@code MILLRACE_ENRICHER_ENRICHMENT_BATCH_SIZE}).
 *
 * @param applicationId Kafka Streams application.id: the consumer group and the prefix of internal topics
 * @param bootstrapServers Kafka bootstrap servers
 * @param topics topic names
 * @param schemas where payload schemas are read from
 * @param enrichment the enrichment API client, batching, cache and outage handling
 * @param streams Kafka Streams runtime settings
 * @param kafka passed straight to Kafka Streams and its clients, overriding the above
 */
@ConfigurationProperties("millrace.enricher")
@Validated
public record EnricherProperties(
    @DefaultValue("millrace-enricher") @NotBlank(message = "millrace.enricher.application-id must not be blank")
    String applicationId,
    @DefaultValue("localhost:9092") @NotBlank(message = "millrace.enricher.bootstrap-servers must not be blank")
    String bootstrapServers,
    @DefaultValue @Valid Topics topics,
    @DefaultValue @Valid Schemas schemas,
    @DefaultValue @Valid Enrichment enrichment,
    @DefaultValue @Valid Streams streams,
    Map<String, String> kafka) {

  public EnricherProperties {
    kafka = kafka == null ? Map.of() : Map.copyOf(kafka);
  }

  /** The pending store is only safe when its changelog commits with the input offsets. */
  @AssertTrue(message = "millrace.enricher.kafka.processing.guarantee must be exactly_once_v2: records"
      + " waiting for the enrichment API are only safe when their store commits with the input offsets")
  public boolean isExactlyOnce() {
    String guarantee = kafka.get("processing.guarantee");
    return guarantee == null || guarantee.equals("exactly_once_v2");
  }

  /**
   * @param raw the topic read: RawEvent values
   * @param enriched the topic written: EnrichedEvent values
   * @param deadLetter the topic written: DeadLetter values, stage ENRICHER
   */
  public record Topics(
      @DefaultValue(WireNames.RAW_TOPIC) @NotBlank(message = "millrace.enricher.topics.raw must not be blank")
      String raw,
      @DefaultValue(WireNames.ENRICHED_TOPIC)
      @NotBlank(message = "millrace.enricher.topics.enriched must not be blank")
      String enriched,
      @DefaultValue(WireNames.ENRICHER_DEAD_LETTER_TOPIC)
      @NotBlank(message = "millrace.enricher.topics.dead-letter must not be blank")
      String deadLetter) {}

  /**
   * @param location {@code classpath:<dir>} or a directory ({@code file:/path} or a plain path)
   * @param segmentFallback {@code <type>/<version>} of the schema an event that came through the
   *     collector's Segment API is checked against when its own type and version have none (a track
   *     name nobody wrote a schema for), so it is enriched, not dead-lettered; empty: such an event
   *     is {@code UNKNOWN_SCHEMA}, as a native one
   * @param refreshInterval how often versions found missing or rejected are looked up again (a
   *     version published at runtime is used from the next refresh; {@code POST
   *     /actuator/schemas} refreshes at once); 0 refreshes only on demand
   * @param s3 the S3/MinIO connection of an {@code s3://bucket/prefix} location
   */
  public record Schemas(
      @DefaultValue("classpath:schemas")
      @NotBlank(message = "millrace.enricher.schemas.location must not be blank")
      String location,
      @DefaultValue("segment_track/1-0-0")
      @Pattern(regexp = "|[a-z][a-z0-9_]*/[1-9][0-9]*-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)",
          message = "millrace.enricher.schemas.segment-fallback must be <event_type>/<SchemaVer> or empty")
      String segmentFallback,
      @DefaultValue("60s") java.time.Duration refreshInterval,
      @DefaultValue @Valid S3 s3) {}

  /**
   * @param endpoint the S3 API's URL (MinIO's, or e.g. {@code https://s3.eu-west-1.amazonaws.com})
   * @param accessKey the access key id; never logged
   * @param secretKey the secret key; never logged
   */
  public record S3(
      @DefaultValue("") String endpoint,
      @DefaultValue("us-east-1") String region,
      @DefaultValue("") String accessKey,
      @DefaultValue("") String secretKey) {

    @Override
    public String toString() {
      return "S3[endpoint=" + endpoint + ", region=" + region + "]"; // no secrets in logs
    }
  }

  /**
   * @param target gRPC target of the enrichment API, e.g. {@code localhost:9091} or {@code dns:///enrichment:9091}
   * @param deadline deadline of one call, its channel retries included
   * @param maxAttempts attempts of one call on UNAVAILABLE, by the channel's service config
   * @param batchSize records per call
   * @param linger the longest a record waits for its batch to fill
   * @param maxPending records a task holds while the API is down before it applies backpressure
   * @param maxBlock the longest one record waits for room while the task is full
   * @param backoffInitial first wait after a failed call
   * @param backoffMax longest wait between failed calls
   * @param onUnavailable what happens after {@code unavailableBound} of outage
   * @param unavailableBound how long an outage lasts before {@code onUnavailable} applies
   * @param cacheMaxEntries results kept for repeated inputs; 0 (the default) turns the cache off:
   *     its key is the whole item, which real events rarely repeat, and on unique inputs it cost a
   *     third of the enricher's throughput (key serialisation, and old-generation churn for GC)
   * @param cacheTtl how long a cached result is used
   */
  public record Enrichment(
      @DefaultValue("localhost:9091") @NotBlank(message = "millrace.enricher.enrichment.target must not be blank")
      String target,
      @DefaultValue("2s") @NotNull Duration deadline,
      @DefaultValue("3") @Min(value = 1, message = "millrace.enricher.enrichment.max-attempts must be between 1 and 5")
      @Max(value = 5, message = "millrace.enricher.enrichment.max-attempts must be between 1 and 5")
      int maxAttempts,
      @DefaultValue("500")
      @Min(value = 1, message = "millrace.enricher.enrichment.batch-size must be between 1 and 10000")
      @Max(value = 10000, message = "millrace.enricher.enrichment.batch-size must be between 1 and 10000")
      int batchSize,
      @DefaultValue("50ms") @NotNull Duration linger,
      @DefaultValue("5000") int maxPending,
      @DefaultValue("1s") @NotNull Duration maxBlock,
      @DefaultValue("200ms") @NotNull Duration backoffInitial,
      @DefaultValue("10s") @NotNull Duration backoffMax,
      @DefaultValue("WAIT") @NotNull OnUnavailable onUnavailable,
      @DefaultValue("5m") @NotNull Duration unavailableBound,
      @DefaultValue("0")
      @Min(value = 0, message = "millrace.enricher.enrichment.cache-max-entries must not be negative")
      long cacheMaxEntries,
      @DefaultValue("10m") @NotNull Duration cacheTtl) {

    @AssertTrue(message = "millrace.enricher.enrichment.deadline must be between 10ms and 30s")
    public boolean isDeadlineInRange() {
      return deadline == null || within(deadline, Duration.ofMillis(10), Duration.ofSeconds(30));
    }

    @AssertTrue(message = "millrace.enricher.enrichment.linger must be between 1ms and 10s")
    public boolean isLingerInRange() {
      return linger == null || within(linger, Duration.ofMillis(1), Duration.ofSeconds(10));
    }

    @AssertTrue(message = "millrace.enricher.enrichment.max-pending must be at least"
        + " millrace.enricher.enrichment.batch-size")
    public boolean isMaxPendingAtLeastBatchSize() {
      return maxPending >= batchSize;
    }

    /** The stream thread must get back to committing well within the transaction timeout (10 s). */
    @AssertTrue(message = "millrace.enricher.enrichment.max-block must be between 0ms and 5s")
    public boolean isMaxBlockInRange() {
      return maxBlock == null || within(maxBlock, Duration.ZERO, Duration.ofSeconds(5));
    }

    @AssertTrue(message = "millrace.enricher.enrichment.backoff-initial must be positive and at most"
        + " millrace.enricher.enrichment.backoff-max")
    public boolean isBackoffOrdered() {
      return backoffInitial == null || backoffMax == null
          || (backoffInitial.toMillis() > 0 && backoffInitial.compareTo(backoffMax) <= 0);
    }

    @AssertTrue(message = "millrace.enricher.enrichment.unavailable-bound must not be negative")
    public boolean isUnavailableBoundValid() {
      return unavailableBound == null || !unavailableBound.isNegative();
    }

    private static boolean within(Duration d, Duration min, Duration max) {
      return d.compareTo(min) >= 0 && d.compareTo(max) <= 0;
    }
  }

  /**
   * @param numThreads stream threads of this instance
   * @param standbyReplicas warm copies of each task's pending store on other instances
   * @param commitInterval how often offsets, outputs and the store commit (one transaction)
   * @param replicationFactor replication of internal topics (changelog); -1 = the broker's default
   * @param stateDir Kafka Streams state directory; empty = its default under java.io.tmpdir
   * @param closeTimeout how long a graceful shutdown may take to commit and leave the group
   */
  public record Streams(
      @DefaultValue("1") @Min(value = 1, message = "millrace.enricher.streams.num-threads must be between 1 and 64")
      @Max(value = 64, message = "millrace.enricher.streams.num-threads must be between 1 and 64")
      int numThreads,
      @DefaultValue("0")
      @Min(value = 0, message = "millrace.enricher.streams.standby-replicas must be between 0 and 5")
      @Max(value = 5, message = "millrace.enricher.streams.standby-replicas must be between 0 and 5")
      int standbyReplicas,
      @DefaultValue("100ms") @NotNull Duration commitInterval,
      @DefaultValue("-1") int replicationFactor,
      @DefaultValue("") String stateDir,
      @DefaultValue("30s") @NotNull Duration closeTimeout) {

    @AssertTrue(message = "millrace.enricher.streams.commit-interval must be between 10ms and 5s")
    public boolean isCommitIntervalInRange() {
      return commitInterval == null
          || (commitInterval.toMillis() >= 10 && commitInterval.compareTo(Duration.ofSeconds(5)) <= 0);
    }

    @AssertTrue(message = "millrace.enricher.streams.replication-factor must be -1 or at least 1")
    public boolean isReplicationFactorValid() {
      return replicationFactor == -1 || replicationFactor >= 1;
    }
  }
}
