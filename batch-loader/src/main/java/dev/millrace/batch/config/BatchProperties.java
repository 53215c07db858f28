package dev.millrace.batch.config;

import dev.millrace.proto.WireNames;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every setting of the batch loader, bound from {@code millrace.batch.*} and checked before any
 * connection is tried. Rules that span several keys live in {@link #validate()}.
 *
 * @param topic the enriched topic to read
 * @param deadLetterTopic where records that are not an {@code EnrichedEvent} go
 * @param kafka passed straight to the Kafka consumer and producer ({@code bootstrap.servers} required)
 * @param s3 the object store
 * @param partitionBy which timestamp chooses a record's {@code dt}/{@code hour} partition
 * @param rotation when an open file is closed and uploaded
 * @param parquet file format settings
 * @param maxOpenFiles cap on files open at once in this instance; the oldest is flushed to make room
 * @param consumers loader threads in this instance, each with its own consumer in the group and its
 *     own share of the partitions (and of {@code maxOpenFiles}); more than the topic's partitions idle
 * @param spillDir local directory where open files are written before upload
 * @param retry backoff while the store is unreachable
 * @param marker completeness markers for the curation job
 * @param pollTimeout longest a poll waits; also the period of the time-based rotation check
 * @param shutdownTimeout how long a graceful shutdown keeps trying to upload open files
 * @param turnBudget how long one turn of a loader loop may keep calling the store (uploads,
 *     recovery, receipts, markers) before it goes back to poll; no store call starts after it, so a
 *     slow store cannot keep the consumer from polling past {@code max.poll.interval.ms}
 * @param deadLetterTimeout how long a dead letter may wait for the broker's acknowledgement before
 *     it counts as failed and is sent again; longer than the producer's {@code delivery.timeout.ms},
 *     by which the producer reports every send, so it only catches a producer that never answers
 */
@Validated
@ConfigurationProperties("millrace.batch")
public record BatchProperties(
    @DefaultValue(WireNames.ENRICHED_TOPIC) @NotBlank String topic,
    @DefaultValue("millrace.dead-letter.batch-loader") @NotBlank String deadLetterTopic,
    @NotNull Map<String, String> kafka,
    @Valid @NotNull S3 s3,
    @DefaultValue("RECEIVED_AT") @NotNull PartitionBy partitionBy,
    @Valid @DefaultValue Rotation rotation,
    @Valid @DefaultValue Parquet parquet,
    @DefaultValue("32") @Min(1) int maxOpenFiles,
    @DefaultValue("2") @Min(1) int consumers,
    @NotNull Path spillDir,
    @Valid @DefaultValue Retry retry,
    @Valid @DefaultValue Marker marker,
    @DefaultValue("500ms") @NotNull Duration pollTimeout,
    @DefaultValue("30s") @NotNull Duration shutdownTimeout,
    @DefaultValue("10s") @NotNull Duration turnBudget,
    @DefaultValue("3m") @NotNull Duration deadLetterTimeout) {

  /** S3's smallest part of a multipart upload (except the last). */
  public static final DataSize MIN_PART_SIZE = DataSize.ofMegabytes(5);
  /** {@code turn-budget} when not set. */
  public static final Duration DEFAULT_TURN_BUDGET = Duration.ofSeconds(10);
  /** {@code dead-letter-timeout} when not set. */
  public static final Duration DEFAULT_DEAD_LETTER_TIMEOUT = Duration.ofMinutes(3);

  @ConstructorBinding
  public BatchProperties {
    kafka = kafka == null ? Map.of() : Map.copyOf(kafka);
    if (spillDir == null) {
      spillDir = Path.of(System.getProperty("java.io.tmpdir"), "millrace-batch");
    }
  }

  /**
   * The settings as they were before {@code turn-budget} and {@code dead-letter-timeout}, which take
   * their defaults.
   *
   * @deprecated pass every setting to the canonical constructor
   */
  @Deprecated
  public BatchProperties(String topic, String deadLetterTopic, Map<String, String> kafka, S3 s3,
                         PartitionBy partitionBy, Rotation rotation, Parquet parquet,
                         int maxOpenFiles, int consumers, Path spillDir, Retry retry, Marker marker,
                         Duration pollTimeout, Duration shutdownTimeout) {
    this(topic, deadLetterTopic, kafka, s3, partitionBy, rotation, parquet, maxOpenFiles, consumers,
        spillDir, retry, marker, pollTimeout, shutdownTimeout, DEFAULT_TURN_BUDGET,
        DEFAULT_DEAD_LETTER_TIMEOUT);
  }

  /** The timestamp that places a record in its hour. */
  public enum PartitionBy {
    /** The collector's clock ({@code metadata.received_at}): never late by more than the pipeline's lag. */
    RECEIVED_AT,
    /** The producer's clock ({@code event.occurred_at}): the business time, but events may arrive late. */
    OCCURRED_AT
  }

  /** Parquet compression codec. */
  public enum Compression { ZSTD, SNAPPY }

  /** Whether the loader writes completeness markers. */
  public enum MarkerMode {
    /** A {@code _SUCCESS} manifest per complete hour and event type, and one per hour. */
    MANIFEST,
    /** No markers (another instance or job writes them). */
    NONE
  }

  /**
   * @param endpoint URL of the S3 API, e.g. {@code http://minio:9000}
   * @param accessKey access key id
   * @param secretKey secret key (never logged)
   * @param region signing region
   * @param bucket bucket the files go to (must exist)
   * @param prefix key prefix of the table, without a trailing slash
   * @param partSize files bigger than this go up as a multipart upload in parts of this size
   * @param requestTimeout the longest one request to the store may take, from connecting to the
   *     last byte of the response (so a part of {@code partSize} must go up within it)
   */
  public record S3(
      @NotBlank String endpoint,
      @NotBlank String accessKey,
      @NotBlank String secretKey,
      @DefaultValue("us-east-1") @NotBlank String region,
      @NotBlank String bucket,
      @DefaultValue("events") @NotBlank String prefix,
      @DefaultValue("16MB") @NotNull DataSize partSize,
      @DefaultValue("30s") @NotNull Duration requestTimeout) {}

  /**
   * @param maxRecords a file is closed once it holds this many records
   * @param maxBytes a file is closed once its encoded size reaches this
   * @param interval a file is closed this long after it was opened, even if no record arrives
   */
  public record Rotation(
      @DefaultValue("500000") @Min(1) long maxRecords,
      @DefaultValue("128MB") @NotNull DataSize maxBytes,
      @DefaultValue("5m") @NotNull Duration interval) {}

  /**
   * @param compression codec of every column chunk
   * @param rowGroupSize row group size; each open file buffers up to this much in memory
   * @param zstdLevel zstd level when the codec is ZSTD: 1 is zstd's fast level, which encodes
   *     about 1.7x faster than the library default 3 with nearly the same file size; higher
   *     levels trade loader CPU for smaller files, negative levels the other way round
   */
  public record Parquet(
      @DefaultValue("ZSTD") @NotNull Compression compression,
      @DefaultValue("8MB") @NotNull DataSize rowGroupSize,
      @DefaultValue("1") @Min(-7) @Max(19) int zstdLevel) {}

  /**
   * @param initialBackoff first wait after a failed store call
   * @param maxBackoff the wait never grows past this
   */
  public record Retry(
      @DefaultValue("200ms") @NotNull Duration initialBackoff,
      @DefaultValue("30s") @NotNull Duration maxBackoff) {}

  /**
   * @param mode whether to write markers
   * @param grace an hour is complete once the watermark is this far past its end
   * @param idleAfter a partition without records for this long stops holding the watermark back
   * @param checkInterval how often the watermark is published and markers are considered
   */
  public record Marker(
      @DefaultValue("MANIFEST") @NotNull MarkerMode mode,
      @DefaultValue("10m") @NotNull Duration grace,
      @DefaultValue("1m") @NotNull Duration idleAfter,
      @DefaultValue("30s") @NotNull Duration checkInterval) {}

  /**
   * Rules that span keys; runs at start-up before any connection is tried.
   *
   * @throws IllegalArgumentException naming the offending key
   */
  public BatchProperties validate() {
    if (!kafka.containsKey("bootstrap.servers")) {
      throw new IllegalArgumentException(
          "millrace.batch.kafka.bootstrap.servers is required (the Kafka brokers to read from)");
    }
    if (s3.partSize().compareTo(MIN_PART_SIZE) < 0) {
      throw new IllegalArgumentException("millrace.batch.s3.part-size must be at least 5MB"
          + " (S3's smallest multipart part), was " + s3.partSize());
    }
    if (s3.prefix().startsWith("/") || s3.prefix().endsWith("/")) {
      throw new IllegalArgumentException(
          "millrace.batch.s3.prefix must not start or end with '/', was '" + s3.prefix() + "'");
    }
    if (rotation.interval().isNegative() || rotation.interval().isZero()) {
      throw new IllegalArgumentException(
          "millrace.batch.rotation.interval must be positive, was " + rotation.interval());
    }
    if (pollTimeout.compareTo(rotation.interval()) > 0) {
      throw new IllegalArgumentException("millrace.batch.poll-timeout (" + pollTimeout
          + ") must not exceed millrace.batch.rotation.interval (" + rotation.interval()
          + "): the time-based rotation is checked after every poll");
    }
    if (retry.initialBackoff().isNegative()) {
      throw new IllegalArgumentException("millrace.batch.retry.initial-backoff must not be negative, was "
          + retry.initialBackoff());
    }
    if (retry.initialBackoff().compareTo(retry.maxBackoff()) > 0) {
      throw new IllegalArgumentException("millrace.batch.retry.initial-backoff must not exceed"
          + " millrace.batch.retry.max-backoff");
    }
    if (consumers > maxOpenFiles) {
      throw new IllegalArgumentException("millrace.batch.consumers (" + consumers
          + ") must not exceed millrace.batch.max-open-files (" + maxOpenFiles
          + "): each consumer needs at least one open file");
    }
    if (marker.grace().isNegative()) {
      throw new IllegalArgumentException(
          "millrace.batch.marker.grace must not be negative, was " + marker.grace());
    }
    if (turnBudget.isNegative() || turnBudget.isZero()) {
      throw new IllegalArgumentException(
          "millrace.batch.turn-budget must be positive, was " + turnBudget);
    }
    Duration deliveryTimeout = kafkaMillis(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
        ProducerConfig.configDef());
    if (deadLetterTimeout.compareTo(deliveryTimeout) <= 0) {
      throw new IllegalArgumentException("millrace.batch.dead-letter-timeout (" + deadLetterTimeout
          + ") must be longer than millrace.batch.kafka.delivery.timeout.ms (" + deliveryTimeout
          + "): the producer reports every send by then, and a dead letter sent again while the"
          + " first send may still land would be written twice");
    }
    Duration maxBlock = kafkaMillis(ProducerConfig.MAX_BLOCK_MS_CONFIG, ProducerConfig.configDef());
    Duration apiTimeout = kafkaMillis(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
        ConsumerConfig.configDef());
    Duration maxPollInterval = kafkaMillis(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
        ConsumerConfig.configDef());
    Duration longestCall = s3.requestTimeout().compareTo(maxBlock) >= 0 ? s3.requestTimeout() : maxBlock;
    Duration longestTurn = pollTimeout.plus(turnBudget).plus(longestCall).plus(apiTimeout);
    if (longestTurn.compareTo(maxPollInterval) > 0) {
      throw new IllegalArgumentException("millrace.batch.poll-timeout (" + pollTimeout
          + ") + turn-budget (" + turnBudget + ") + the longer of s3.request-timeout ("
          + s3.requestTimeout() + ") and kafka.max.block.ms (" + maxBlock
          + ") + kafka.default.api.timeout.ms (" + apiTimeout + ") must not exceed"
          + " millrace.batch.kafka.max.poll.interval.ms (" + maxPollInterval + "): that sum is the"
          + " longest a loader turn keeps its consumer from polling, and past"
          + " max.poll.interval.ms the group hands the partitions to another consumer while this"
          + " one may still be uploading them");
    }
    return this;
  }

  /** A Kafka client setting in milliseconds: from {@code kafka.*}, else the client's default. */
  private Duration kafkaMillis(String key, ConfigDef clientConfig) {
    String value = kafka.get(key);
    if (value == null) {
      return Duration.ofMillis(((Number) clientConfig.defaultValues().get(key)).longValue());
    }
    try {
      return Duration.ofMillis(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("millrace.batch.kafka." + key
          + " must be a number of milliseconds, was '" + value + "'");
    }
  }
}
