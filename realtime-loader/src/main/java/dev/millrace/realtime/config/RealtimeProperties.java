package dev.millrace.realtime.config;

import dev.millrace.proto.WireNames;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every setting of the realtime loader, under {@code millrace.realtime}. Each key is in the module
 * README. Single-key rules are Bean Validation constraints whose message names the key; rules that
 * span keys live in {@link #validate()}, which runs when the record is bound, before any connection
 * is tried.
 *
 * @param kafka passed straight to the Kafka consumer (e.g. {@code bootstrap.servers})
 */
@ConfigurationProperties("millrace.realtime")
@Validated
public record RealtimeProperties(
    @Valid @DefaultValue Topics topics,
    @DefaultValue Map<String, String> kafka,
    @Valid @DefaultValue Consumer consumer,
    @Valid @DefaultValue Elasticsearch elasticsearch,
    @Valid @DefaultValue Index index,
    @Valid @DefaultValue Bulk bulk,
    @Valid @DefaultValue Retry retry) {

  /** Elasticsearch refuses request bodies over its default {@code http.max_content_length}. */
  static final DataSize MAX_BULK_BYTES = DataSize.ofMegabytes(100);

  public RealtimeProperties {
    kafka = Map.copyOf(kafka);
    validate(kafka, index, bulk, retry);
  }

  private static void validate(Map<String, String> kafka, Index index, Bulk bulk, Retry retry) {
    if ("true".equalsIgnoreCase(kafka.getOrDefault("enable.auto.commit", "false").trim())) {
      throw new IllegalArgumentException(
          "millrace.realtime.kafka.enable.auto.commit must not be true: the loader commits offsets"
              + " itself, only after a batch is indexed or dead-lettered");
    }
    String isolation = kafka.get("isolation.level");
    if (isolation != null && !"read_committed".equalsIgnoreCase(isolation.trim())) {
      throw new IllegalArgumentException("millrace.realtime.kafka.isolation.level must be read_committed"
          + " (was " + isolation + "): the enricher writes transactionally, and records of aborted"
          + " transactions must not be indexed");
    }
    if (index != null && index.refreshInterval() != null
        && (index.refreshInterval().isNegative() || index.refreshInterval().isZero())) {
      // Elasticsearch reads -1 as "never refresh": nothing would become searchable.
      throw new IllegalArgumentException("millrace.realtime.index.refresh-interval must be positive, was "
          + index.refreshInterval());
    }
    if (bulk != null && bulk.maxBytes() != null
        && bulk.maxBytes().compareTo(MAX_BULK_BYTES) > 0) {
      throw new IllegalArgumentException("millrace.realtime.bulk.max-bytes must be at most 100MB"
          + " (Elasticsearch's default http.max_content_length), was " + bulk.maxBytes());
    }
    if (retry != null && retry.initialBackoff() != null
        && (retry.initialBackoff().isNegative() || retry.initialBackoff().isZero())) {
      // A zero first wait would retry a failing Elasticsearch in a tight loop.
      throw new IllegalArgumentException("millrace.realtime.retry.initial-backoff must be positive, was "
          + retry.initialBackoff());
    }
    if (retry != null && retry.initialBackoff() != null && retry.maxBackoff() != null
        && retry.initialBackoff().compareTo(retry.maxBackoff()) > 0) {
      throw new IllegalArgumentException("millrace.realtime.retry.initial-backoff ("
          + retry.initialBackoff() + ") must not exceed millrace.realtime.retry.max-backoff ("
          + retry.maxBackoff() + ")");
    }
  }

  /** Topics consumed; defaults are the wire contract's names. */
  public record Topics(
      @NotBlank(message = "millrace.realtime.topics.enriched must not be blank")
      @DefaultValue(WireNames.ENRICHED_TOPIC) String enriched,
      @NotBlank(message = "millrace.realtime.topics.collector-dead-letter must not be blank")
      @DefaultValue(WireNames.COLLECTOR_DEAD_LETTER_TOPIC) String collectorDeadLetter,
      @NotBlank(message = "millrace.realtime.topics.enricher-dead-letter must not be blank")
      @DefaultValue(WireNames.ENRICHER_DEAD_LETTER_TOPIC) String enricherDeadLetter) {

    public List<String> all() {
      return List.of(enriched, collectorDeadLetter, enricherDeadLetter);
    }
  }

  /** The consumer loop. */
  public record Consumer(
      @NotBlank(message = "millrace.realtime.consumer.group-id must not be blank")
      @DefaultValue("millrace-realtime-loader") String groupId,
      @NotNull(message = "millrace.realtime.consumer.poll-timeout must be set")
      @DefaultValue("100ms") Duration pollTimeout,
      @NotNull(message = "millrace.realtime.consumer.shutdown-timeout must be set")
      @DefaultValue("30s") Duration shutdownTimeout) {}

  /** How to reach Elasticsearch; the 8.19 Java client is built from these, not by Boot. */
  public record Elasticsearch(
      @NotEmpty(message = "millrace.realtime.elasticsearch.urls must list at least one URL")
      @DefaultValue("http://localhost:9200") List<URI> urls,
      String username,
      String password,
      @NotNull(message = "millrace.realtime.elasticsearch.connect-timeout must be set")
      @DefaultValue("5s") Duration connectTimeout,
      @NotNull(message = "millrace.realtime.elasticsearch.request-timeout must be set")
      @DefaultValue("30s") Duration requestTimeout) {

    @Override
    public String toString() {
      // The password never reaches a log line.
      return "Elasticsearch[urls=" + urls + ", username=" + username + "]";
    }
  }

  /** Which event timestamp picks an event's daily index. */
  public enum TimeField {
    /** {@code metadata.received_at}: the collector's clock, so late producers do not reopen old days. */
    RECEIVED_AT,
    /** {@code event.occurred_at}: the producer's clock. */
    OCCURRED_AT,
    /** {@code enriched_at}: the enricher's clock. */
    ENRICHED_AT
  }

  /** Index names, templates and the mapping-explosion guards. */
  public record Index(
      @NotBlank(message = "millrace.realtime.index.events-prefix must not be blank")
      @DefaultValue("millrace-events") String eventsPrefix,
      @NotBlank(message = "millrace.realtime.index.events-alias must not be blank")
      @DefaultValue("millrace-events") String eventsAlias,
      @NotBlank(message = "millrace.realtime.index.dead-letters-prefix must not be blank")
      @DefaultValue("millrace-dead-letters") String deadLettersPrefix,
      @NotBlank(message = "millrace.realtime.index.dead-letters-alias must not be blank")
      @DefaultValue("millrace-dead-letters") String deadLettersAlias,
      @NotBlank(message = "millrace.realtime.index.date-pattern must not be blank")
      @DefaultValue("yyyy.MM.dd") String datePattern,
      @NotNull(message = "millrace.realtime.index.time-field must be set")
      @DefaultValue("RECEIVED_AT") TimeField timeField,
      @Min(value = 1, message = "millrace.realtime.index.shards must be at least 1")
      @DefaultValue("1") int shards,
      @Min(value = 0, message = "millrace.realtime.index.replicas must be at least 0")
      @DefaultValue("1") int replicas,
      @Min(value = 100, message = "millrace.realtime.index.total-fields-limit must be at least 100")
      @DefaultValue("1000") int totalFieldsLimit,
      @Min(value = 1, message = "millrace.realtime.index.payload-depth-limit must be at least 1")
      @Max(value = 100, message = "millrace.realtime.index.payload-depth-limit must be at most 100")
      @DefaultValue("20") int payloadDepthLimit,
      @Min(value = 1, message = "millrace.realtime.index.payload-ignore-above must be at least 1")
      @Max(value = 8191, message = "millrace.realtime.index.payload-ignore-above must be at most 8191")
      @DefaultValue("1024") int payloadIgnoreAbove,
      @NotNull(message = "millrace.realtime.index.refresh-interval must be set")
      @DefaultValue(Index.DEFAULT_REFRESH_INTERVAL) Duration refreshInterval) {

    /**
     * Half Elasticsearch's own 1 s: with it and the bulk linger, an event is searchable within
     * about a second of its arrival at an idle pipeline (bench {@code pipeline-curve}).
     */
    public static final String DEFAULT_REFRESH_INTERVAL = "500ms";

    /** {@link #DEFAULT_REFRESH_INTERVAL} as a Duration, for settings built in code. */
    public static Duration defaultRefreshInterval() {
      return DurationStyle.detectAndParse(DEFAULT_REFRESH_INTERVAL);
    }
  }

  /** When a bulk request is sent, and how many may be outstanding. */
  public record Bulk(
      @Min(value = 1, message = "millrace.realtime.bulk.max-actions must be at least 1")
      @DefaultValue("1000") int maxActions,
      @NotNull(message = "millrace.realtime.bulk.max-bytes must be set")
      @DefaultValue("5MB") DataSize maxBytes,
      @NotNull(message = "millrace.realtime.bulk.linger must be set")
      @DefaultValue("100ms") Duration linger,
      @Min(value = 1, message = "millrace.realtime.bulk.max-in-flight must be at least 1")
      @Max(value = 16, message = "millrace.realtime.bulk.max-in-flight must be at most 16")
      @DefaultValue("2") int maxInFlight) {}

  /**
   * Backoff for items Elasticsearch answered 429 or 5xx, and for whole requests that failed. There is
   * no attempt limit on purpose: giving up would lose data, so the loader instead stops consuming
   * (partitions paused, nothing committed) until Elasticsearch takes the items.
   */
  public record Retry(
      @NotNull(message = "millrace.realtime.retry.initial-backoff must be set")
      @DefaultValue("100ms") Duration initialBackoff,
      @NotNull(message = "millrace.realtime.retry.max-backoff must be set")
      @DefaultValue("10s") Duration maxBackoff) {}
}
