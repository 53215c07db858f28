package dev.millrace.curation.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.curation.quality.CheckName;
import dev.millrace.curation.quality.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurationConfigTest {

  static final String P = CurationConfig.PREFIX;

  static Map<String, String> minimal() {
    Map<String, String> m = new HashMap<>();
    m.put(P + "catalog.uri", "jdbc:postgresql://db:5432/catalog");
    m.put(P + "catalog.warehouse", "s3://curated/warehouse/");
    m.put(P + "input.bucket", "s3://events");
    return m;
  }

  @Test
  void theDefaultsAreTheDocumentedOnes() {
    CurationConfig c = CurationConfig.of(minimal());

    assertThat(c.catalogName()).isEqualTo("curated");
    assertThat(c.namespace()).isEqualTo("millrace");
    assertThat(c.qualified("events")).isEqualTo("curated.millrace.events");
    assertThat(c.warehouse()).isEqualTo("s3://curated/warehouse");
    assertThat(c.inputPrefix()).isEqualTo("events");
    assertThat(c.lookbackDays()).isEqualTo(3);
    assertThat(c.inactivityGap()).isEqualTo(Duration.ofMinutes(30));
    assertThat(c.lateAfter()).isEqualTo(Duration.ofHours(6));
    assertThat(c.check(CheckName.CONSERVATION).severity()).isEqualTo(Severity.BLOCKING);
    assertThat(c.check(CheckName.VOLUME).severity()).isEqualTo(Severity.WARN);
  }

  @Test
  void everyBadSettingIsNamedInOneError() {
    Map<String, String> m = new HashMap<>();
    m.put(P + "dedup.lookback-days", "40");
    m.put(P + "sessions.inactivity-gap", "half an hour");
    m.put(P + "check.volume.severity", "loud");
    m.put(P + "s3.access-key", "key-without-secret");

    assertThatThrownBy(() -> CurationConfig.of(m)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(P + "catalog.uri")
        .hasMessageContaining(P + "catalog.warehouse")
        .hasMessageContaining(P + "input.bucket")
        .hasMessageContaining(P + "dedup.lookback-days must be from 0 to 31, was 40")
        .hasMessageContaining(P + "sessions.inactivity-gap")
        .hasMessageContaining("BLOCKING or WARN")
        .hasMessageContaining("must be set together")
        .hasMessageNotContaining("key-without-secret");
  }

  @Test
  void aFileThenTheEnvironmentThenSetOverrideTheDefaults(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("curation.properties");
    Files.writeString(file, P + "catalog.uri=jdbc:postgresql://file/catalog\n" + P + "catalog.warehouse=s3://w/h\n"
        + P + "input.bucket=s3://file-bucket\n" + P + "late.after=2h\n" + P + "namespace=from_file\n");
    Map<String, String> env = Map.of(CurationConfig.envName(P + "late.after"), "3h",
        CurationConfig.envName(P + "namespace"), "from_env");

    CurationConfig c = CurationConfig.load(file, env, Map.of(P + "namespace", "from_set"));

    assertThat(CurationConfig.envName(P + "s3.access-key")).isEqualTo("MILLRACE_CURATION_S3_ACCESS_KEY");
    assertThat(c.inputBucket()).isEqualTo("s3://file-bucket");
    assertThat(c.lateAfter()).isEqualTo(Duration.ofHours(3));
    assertThat(c.namespace()).isEqualTo("from_set");
  }

  @Test
  void secretsAreMaskedWhereverTheConfigurationIsShown() {
    Map<String, String> m = minimal();
    m.put(P + "s3.access-key", "AKIA");
    m.put(P + "s3.secret-key", "very-secret");
    m.put(P + "catalog.jdbc.password", "db-secret");

    Map<String, String> shown = CurationConfig.of(m).describe();

    assertThat(shown.toString()).doesNotContain("very-secret", "db-secret");
    assertThat(shown.get(P + "s3.secret-key")).isEqualTo("****");
  }

  @Test
  void sparkGetsTheIcebergCatalogOnS3AndTheUtcTimeZone() {
    Map<String, String> m = minimal();
    m.put(P + "s3.endpoint", "http://minio:9000");
    m.put("spark.sql.shuffle.partitions", "3");

    Map<String, String> spark = CurationConfig.of(m).sparkSettings();

    assertThat(spark).containsEntry("spark.sql.catalog.curated", "org.apache.iceberg.spark.SparkCatalog")
        .containsEntry("spark.sql.catalog.curated.type", "jdbc")
        .containsEntry("spark.sql.catalog.curated.uri", "jdbc:postgresql://db:5432/catalog")
        .containsEntry("spark.sql.catalog.curated.io-impl", "org.apache.iceberg.aws.s3.S3FileIO")
        .containsEntry("spark.sql.catalog.curated.s3.endpoint", "http://minio:9000")
        .containsEntry("spark.sql.catalog.curated.s3.path-style-access", "true")
        .containsEntry("spark.sql.session.timeZone", "UTC")
        .containsEntry("spark.sql.shuffle.partitions", "3");
  }

  @Test
  void durationsReadInShortOrIsoForm() {
    assertThat(CurationConfig.duration("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(CurationConfig.duration("6h")).isEqualTo(Duration.ofHours(6));
    assertThat(CurationConfig.duration("PT90S")).isEqualTo(Duration.ofSeconds(90));
  }
}
