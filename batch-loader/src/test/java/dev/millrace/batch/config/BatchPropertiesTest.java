package dev.millrace.batch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.millrace.batch.BatchLoaderApplication;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.validation.FieldError;

/** Start-up fails on a bad setting, naming the key, before any connection is tried. */
class BatchPropertiesTest {

  private static final String[] VALID = {
      "--millrace.batch.kafka.bootstrap.servers=localhost:1",
      "--millrace.batch.s3.endpoint=http://localhost:1",
      "--millrace.batch.s3.access-key=a",
      "--millrace.batch.s3.secret-key=s",
      "--millrace.batch.s3.bucket=b",
  };

  private static Throwable rootCauseOfStarting(String... overrides) {
    List<String> args = new ArrayList<>(List.of(VALID));
    for (String o : overrides) {
      String key = o.substring(0, o.indexOf('=') + 1);
      args.removeIf(a -> a.startsWith(key));
      if (!o.endsWith("=<absent>")) {
        args.add(o);
      }
    }
    Throwable t = catchThrowable(() -> BatchLoaderApplication.builder()
        .web(WebApplicationType.NONE)
        .properties("spring.main.lazy-initialization=false", "logging.level.root=OFF")
        .run(args.toArray(String[]::new)).close());
    assertThat(t).as("start-up must fail").isNotNull();
    while (t.getCause() != null && !(t instanceof BindValidationException)) {
      t = t.getCause();
    }
    return t;
  }

  @Test
  void aMissingBucketFailsNamingTheKey() {
    Throwable t = rootCauseOfStarting("--millrace.batch.s3.bucket=<absent>");
    assertThat(t).isInstanceOf(BindValidationException.class);
    FieldError error = (FieldError) ((BindValidationException) t).getValidationErrors()
        .getAllErrors().get(0);
    assertThat(error.getObjectName() + "." + error.getField()).isEqualTo("millrace.batch.s3.bucket");
    assertThat(error.getDefaultMessage()).isEqualTo("must not be blank");
  }

  @Test
  void aMissingBootstrapServersFailsWithItsKey() {
    Throwable t = rootCauseOfStarting("--millrace.batch.kafka.bootstrap.servers=<absent>");
    assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessage(
        "millrace.batch.kafka.bootstrap.servers is required (the Kafka brokers to read from)");
  }

  @Test
  void aPartTooSmallForS3FailsWithItsKey() {
    Throwable t = rootCauseOfStarting("--millrace.batch.s3.part-size=1MB");
    assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessage(
        "millrace.batch.s3.part-size must be at least 5MB (S3's smallest multipart part), was 1048576B");
  }

  @Test
  void aPollLongerThanTheRotationIntervalFails() {
    Throwable t = rootCauseOfStarting("--millrace.batch.rotation.interval=1s",
        "--millrace.batch.poll-timeout=2s");
    assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessage(
        "millrace.batch.poll-timeout (PT2S) must not exceed millrace.batch.rotation.interval (PT1S):"
            + " the time-based rotation is checked after every poll");
  }

  @Test
  void aTurnThatCouldOutlastMaxPollIntervalFailsNamingEveryKeyInTheSum() {
    Throwable t = rootCauseOfStarting("--millrace.batch.kafka.max.poll.interval.ms=60000");
    assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessage(
        "millrace.batch.poll-timeout (PT0.5S) + turn-budget (PT10S) + the longer of"
            + " s3.request-timeout (PT30S) and kafka.max.block.ms (PT1M) +"
            + " kafka.default.api.timeout.ms (PT1M) must not exceed"
            + " millrace.batch.kafka.max.poll.interval.ms (PT1M): that sum is the longest a loader"
            + " turn keeps its consumer from polling, and past max.poll.interval.ms the group hands"
            + " the partitions to another consumer while this one may still be uploading them");
  }

  @Test
  void aShorterTurnAndShorterKafkaTimeoutsFitASmallMaxPollInterval() {
    BatchProperties p = new org.springframework.boot.context.properties.bind.Binder(
        org.springframework.boot.context.properties.source.ConfigurationPropertySources.from(
            new org.springframework.core.env.MapPropertySource("test", java.util.Map.of(
                "millrace.batch.kafka.bootstrap.servers", "localhost:1",
                "millrace.batch.kafka.max.poll.interval.ms", "60000",
                "millrace.batch.kafka.max.block.ms", "10000",
                "millrace.batch.kafka.default.api.timeout.ms", "15000",
                "millrace.batch.s3.endpoint", "http://localhost:1",
                "millrace.batch.s3.access-key", "a", "millrace.batch.s3.secret-key", "s",
                "millrace.batch.s3.bucket", "b",
                "millrace.batch.s3.request-timeout", "20s",
                "millrace.batch.turn-budget", "5s"))))
        .bindOrCreate("millrace.batch", BatchProperties.class);
    assertThat(p.validate().turnBudget()).hasSeconds(5);
  }

  @Test
  void aDeadLetterTimeoutNotLongerThanTheProducersDeliveryTimeoutFails() {
    Throwable t = rootCauseOfStarting("--millrace.batch.dead-letter-timeout=2m");
    assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessage(
        "millrace.batch.dead-letter-timeout (PT2M) must be longer than"
            + " millrace.batch.kafka.delivery.timeout.ms (PT2M): the producer reports every send by"
            + " then, and a dead letter sent again while the first send may still land would be"
            + " written twice");
  }

  @Test
  void aNegativeFirstBackoffFails() {
    Throwable t = rootCauseOfStarting("--millrace.batch.retry.initial-backoff=-1s");
    assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessage(
        "millrace.batch.retry.initial-backoff must not be negative, was PT-1S");
  }

  @Test
  void moreConsumersThanOpenFilesFails() {
    Throwable t = rootCauseOfStarting("--millrace.batch.consumers=4",
        "--millrace.batch.max-open-files=3");
    assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessage(
        "millrace.batch.consumers (4) must not exceed millrace.batch.max-open-files (3):"
            + " each consumer needs at least one open file");
  }

  @Test
  void zeroConsumersFailsNamingTheKey() {
    Throwable t = rootCauseOfStarting("--millrace.batch.consumers=0");
    assertThat(t).isInstanceOf(BindValidationException.class);
    FieldError error = (FieldError) ((BindValidationException) t).getValidationErrors()
        .getAllErrors().get(0);
    assertThat(error.getObjectName() + "." + error.getField()).isEqualTo("millrace.batch.consumers");
  }

  @Test
  void aZstdLevelOutOfRangeFailsNamingTheKey() {
    Throwable t = rootCauseOfStarting("--millrace.batch.parquet.zstd-level=22");
    assertThat(t).isInstanceOf(BindValidationException.class);
    FieldError error = (FieldError) ((BindValidationException) t).getValidationErrors()
        .getAllErrors().get(0);
    assertThat(error.getObjectName() + "." + error.getField())
        .isEqualTo("millrace.batch.parquet.zstdLevel");
    assertThat(error.getDefaultMessage()).isEqualTo("must be less than or equal to 19");
  }

  @Test
  void anUnknownPartitionByValueFailsNamingTheKey() {
    Throwable t = catchThrowable(() -> BatchLoaderApplication.builder()
        .web(WebApplicationType.NONE).properties("logging.level.root=OFF")
        .run(concat(VALID, "--millrace.batch.partition-by=ARRIVAL")).close());
    while (t != null && !(t instanceof org.springframework.boot.context.properties.bind.BindException)) {
      t = t.getCause();
    }
    assertThat(t).hasMessage("Failed to bind properties under 'millrace.batch.partition-by' to "
        + "dev.millrace.batch.config.BatchProperties$PartitionBy");
  }

  private static String[] concat(String[] a, String b) {
    List<String> l = new ArrayList<>(List.of(a));
    l.add(b);
    return l.toArray(String[]::new);
  }

  @Test
  void environmentVariableNamesBindToo() {
    var env = new org.springframework.core.env.SystemEnvironmentPropertySource("systemEnvironment", java.util.Map.of(
        "MILLRACE_BATCH_ROTATION_MAXRECORDS", "7",
        "MILLRACE_BATCH_S3_BUCKET", "b",
        "MILLRACE_BATCH_MARKER_GRACE", "15m"));
    BatchProperties p = new org.springframework.boot.context.properties.bind.Binder(
        org.springframework.boot.context.properties.source.ConfigurationPropertySources.from(env))
        .bindOrCreate("millrace.batch", BatchProperties.class);
    assertThat(p.s3().bucket()).isEqualTo("b");
    assertThat(p.marker().grace()).hasMinutes(15);
    assertThat(p.rotation().maxRecords()).isEqualTo(7);
    assertThat(p.partitionBy()).isEqualTo(BatchProperties.PartitionBy.RECEIVED_AT);
    assertThat(p.rotation().interval()).hasMinutes(5);
    assertThat(p.parquet().zstdLevel()).isEqualTo(1);
    assertThat(p.turnBudget()).isEqualTo(BatchProperties.DEFAULT_TURN_BUDGET).hasSeconds(10);
    assertThat(p.deadLetterTimeout()).isEqualTo(BatchProperties.DEFAULT_DEAD_LETTER_TIMEOUT);
  }
}
