package dev.millrace.curation.config;

import dev.millrace.curation.quality.CheckName;
import dev.millrace.curation.quality.Severity;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every setting of the curation job, typed and validated before Spark or any store is touched.
 *
 * <p>Sources, later ones winning: the defaults on the class path ({@code millrace-curation.properties}),
 * a {@code --config} file, environment variables named after the key
 * ({@code millrace.curation.s3.access-key} is {@code MILLRACE_CURATION_S3_ACCESS_KEY}), and
 * {@code --set key=value}. Keys under {@code spark.} go to Spark unchanged, so a cluster's settings
 * (executors, memory, Kubernetes) are configuration too.
 */
public final class CurationConfig {

  public static final String PREFIX = "millrace.curation.";
  private static final String DEFAULTS = "/millrace-curation.properties";
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  /** Where the Iceberg catalog keeps table pointers. */
  public enum CatalogType {
    /** Iceberg's JDBC catalog, e.g. on PostgreSQL (the default). */
    JDBC,
    /** An Iceberg REST catalog. */
    REST,
    /** Table pointers in the warehouse folder itself; for a laptop and tests, not for concurrent writers. */
    HADOOP
  }

  /** The settings of one data-quality check. */
  public record CheckSettings(Severity severity, double threshold) {}

  private final Map<String, String> values;
  private final String sparkMaster;
  private final String catalogName;
  private final CatalogType catalogType;
  private final String catalogUri;
  private final String jdbcUser;
  private final String jdbcPassword;
  private final String warehouse;
  private final String namespace;
  private final String s3Endpoint;
  private final String s3Region;
  private final String s3AccessKey;
  private final String s3SecretKey;
  private final boolean s3PathStyle;
  private final String inputBucket;
  private final String inputPrefix;
  private final int lookbackDays;
  private final Duration inactivityGap;
  private final Duration lateAfter;
  private final int volumeWeeks;
  private final Map<CheckName, CheckSettings> checks = new EnumMap<>(CheckName.class);

  private CurationConfig(Map<String, String> values) {
    this.values = values;
    List<String> errors = new ArrayList<>();
    sparkMaster = optional("spark-master");
    catalogName = required("catalog.name", errors);
    catalogType = parse("catalog.type", v -> CatalogType.valueOf(v.toUpperCase(Locale.ROOT)),
        "jdbc, rest or hadoop", CatalogType.JDBC, errors);
    catalogUri = catalogType == CatalogType.HADOOP ? optional("catalog.uri") : required("catalog.uri", errors);
    jdbcUser = optional("catalog.jdbc.user");
    jdbcPassword = optional("catalog.jdbc.password");
    warehouse = stripSlash(required("catalog.warehouse", errors));
    namespace = required("namespace", errors);
    s3Endpoint = optional("s3.endpoint");
    s3Region = required("s3.region", errors);
    s3AccessKey = optional("s3.access-key");
    s3SecretKey = optional("s3.secret-key");
    s3PathStyle = parse("s3.path-style-access", CurationConfig::bool, "true or false", true, errors);
    inputBucket = stripSlash(required("input.bucket", errors));
    inputPrefix = optional("input.prefix") == null ? "" : optional("input.prefix").replaceAll("^/+|/+$", "");
    lookbackDays = parse("dedup.lookback-days", Integer::parseInt, "a whole number of days from 0 to 31", 3, errors);
    if (lookbackDays < 0 || lookbackDays > 31) {
      errors.add(PREFIX + "dedup.lookback-days must be from 0 to 31, was " + lookbackDays);
    }
    inactivityGap = parse("sessions.inactivity-gap", CurationConfig::duration, "a duration such as 30m",
        Duration.ofMinutes(30), errors);
    lateAfter = parse("late.after", CurationConfig::duration, "a duration such as 6h", Duration.ofHours(6), errors);
    volumeWeeks = parse("check.volume.weeks", Integer::parseInt, "a whole number of weeks from 1 to 52", 4, errors);
    for (CheckName check : CheckName.values()) {
      String base = "check." + check.key() + ".";
      Severity severity = parse(base + "severity", v -> Severity.valueOf(v.toUpperCase(Locale.ROOT)),
          "BLOCKING or WARN", Severity.BLOCKING, errors);
      double threshold = check.hasThreshold()
          ? parse(base + "threshold", Double::parseDouble, "a number", 0.0, errors) : Double.NaN;
      checks.put(check, new CheckSettings(severity, threshold));
    }
    if (warehouse != null && !warehouse.contains("://")) {
      errors.add(PREFIX + "catalog.warehouse must be a URI such as s3://bucket/warehouse, was " + warehouse);
    }
    if (inputBucket != null && !inputBucket.contains(":/")) {
      errors.add(PREFIX + "input.bucket must be a URI such as s3://events (the batch loader's bucket), was "
          + inputBucket);
    }
    if ((s3AccessKey == null) != (s3SecretKey == null)) {
      errors.add(PREFIX + "s3.access-key and " + PREFIX + "s3.secret-key must be set together");
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
  }

  /**
   * Reads the defaults, then {@code configFile} when given, the environment, then {@code overrides}.
   */
  public static CurationConfig load(Path configFile, Map<String, String> environment,
      Map<String, String> overrides) {
    Map<String, String> values = new TreeMap<>();
    try (InputStream in = CurationConfig.class.getResourceAsStream(DEFAULTS)) {
      putAll(values, in == null ? null : new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DEFAULTS, e);
    }
    if (configFile != null) {
      try (Reader reader = Files.newBufferedReader(configFile)) {
        putAll(values, reader);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the config file " + configFile + ": " + e.getMessage(), e);
      }
    }
    for (String key : List.copyOf(values.keySet())) {
      String env = environment.get(envName(key));
      if (env != null) {
        values.put(key, env);
      }
    }
    values.putAll(overrides);
    return new CurationConfig(values);
  }

  /** Only the given values and the class-path defaults; for tests and embedding. */
  public static CurationConfig of(Map<String, String> overrides) {
    return load(null, Map.of(), overrides);
  }

  /** The environment variable that overrides {@code key}. */
  public static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** This configuration with some keys replaced. */
  public CurationConfig with(Map<String, String> overrides) {
    Map<String, String> copy = new TreeMap<>(values);
    copy.putAll(overrides);
    return new CurationConfig(copy);
  }

  /** Spark settings: every {@code spark.*} key, and the Iceberg catalog built from ours. */
  public Map<String, String> sparkSettings() {
    Map<String, String> spark = new LinkedHashMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith("spark.") && !v.isBlank()) {
        spark.put(k, v);
      }
    });
    spark.put("spark.sql.session.timeZone", "UTC");
    spark.put("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions");
    String c = "spark.sql.catalog." + catalogName;
    spark.put(c, "org.apache.iceberg.spark.SparkCatalog");
    catalogProperties().forEach((k, v) -> spark.put(c + "." + k, v));
    return spark;
  }

  /** The Iceberg catalog's properties (also what a {@code FileIO} for the input needs). */
  public Map<String, String> catalogProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("type", catalogType.name().toLowerCase(Locale.ROOT));
    if (catalogType == CatalogType.HADOOP) {
      p.put("warehouse", warehouse);
      p.put("cache-enabled", "false");
      return p;
    }
    if (catalogUri != null) {
      p.put("uri", catalogUri);
    }
    if (catalogType == CatalogType.JDBC) {
      if (jdbcUser != null) {
        p.put("jdbc.user", jdbcUser);
      }
      if (jdbcPassword != null) {
        p.put("jdbc.password", jdbcPassword);
      }
      // V1 records whether an entry is a table or a view; Trino's JDBC catalog reads both versions.
      p.put("jdbc.schema-version", "V1");
    }
    p.put("warehouse", warehouse);
    // Tables are loaded fresh on every access: a run must see another run's publish to fail on it.
    p.put("cache-enabled", "false");
    p.putAll(s3Properties());
    return p;
  }

  /**
   * The Iceberg {@code FileIO} properties, the same for the warehouse and the batch loader's bucket:
   * S3FileIO, or Hadoop's local file system for a {@code file:} warehouse.
   */
  public Map<String, String> s3Properties() {
    Map<String, String> p = new LinkedHashMap<>();
    boolean local = warehouse != null && warehouse.startsWith("file:");
    p.put("io-impl", local ? "org.apache.iceberg.hadoop.HadoopFileIO" : "org.apache.iceberg.aws.s3.S3FileIO");
    if (s3Endpoint != null) {
      p.put("s3.endpoint", s3Endpoint);
    }
    p.put("s3.path-style-access", Boolean.toString(s3PathStyle));
    p.put("client.region", s3Region);
    if (s3AccessKey != null) {
      p.put("s3.access-key-id", s3AccessKey);
      p.put("s3.secret-access-key", s3SecretKey);
    }
    return p;
  }

  /** The FileIO of {@link #s3Properties()}: S3FileIO, or Hadoop's for a {@code file:} warehouse. */
  public org.apache.iceberg.io.FileIO fileIO() {
    return org.apache.iceberg.CatalogUtil.loadFileIO(s3Properties().get("io-impl"), s3Properties(),
        new org.apache.hadoop.conf.Configuration());
  }

  public String sparkMaster() {
    return sparkMaster;
  }

  public String catalogName() {
    return catalogName;
  }

  public String namespace() {
    return namespace;
  }

  /** The Spark name of a table: {@code catalog.namespace.table}. */
  public String qualified(String table) {
    return catalogName + "." + namespace + "." + table;
  }

  public String warehouse() {
    return warehouse;
  }

  /** The batch loader's bucket, e.g. {@code s3://events}; manifests name files relative to it. */
  public String inputBucket() {
    return inputBucket;
  }

  /** The batch loader's prefix in that bucket ({@code millrace.batch.s3.prefix}), e.g. {@code events}. */
  public String inputPrefix() {
    return inputPrefix;
  }

  public int lookbackDays() {
    return lookbackDays;
  }

  public Duration inactivityGap() {
    return inactivityGap;
  }

  public Duration lateAfter() {
    return lateAfter;
  }

  public int volumeWeeks() {
    return volumeWeeks;
  }

  public CheckSettings check(CheckName check) {
    return checks.get(check);
  }

  /** The settings for a printout: secrets masked. */
  public Map<String, String> describe() {
    Map<String, String> shown = new TreeMap<>();
    values.forEach((k, v) -> shown.put(k, k.contains("secret") || k.contains("password") ? "****" : v));
    return shown;
  }

  /** Parses {@code 30m}, {@code 6h}, {@code 7d}, {@code 500ms} or an ISO-8601 duration. */
  public static Duration duration(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.startsWith("p")) {
      return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
    }
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw new IllegalArgumentException(value);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  private static boolean bool(String v) {
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(v);
    };
  }

  private String optional(String key) {
    String v = values.get(PREFIX + key);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private String required(String key, List<String> errors) {
    String v = optional(key);
    if (v == null) {
      errors.add(PREFIX + key + " is required (or " + envName(PREFIX + key) + ")");
    }
    return v;
  }

  private <T> T parse(String key, Function<String, T> parser, String expected, T fallback, List<String> errors) {
    String v = optional(key);
    if (v == null) {
      return fallback;
    }
    try {
      return parser.apply(v);
    } catch (RuntimeException e) {
      errors.add(PREFIX + key + " must be " + expected + ", was '" + v + "'");
      return fallback;
    }
  }

  private static String stripSlash(String v) {
    return v == null ? null : v.replaceAll("/+$", "");
  }

  private static void putAll(Map<String, String> values, Reader reader) throws IOException {
    if (reader == null) {
      return;
    }
    Properties p = new Properties();
    p.load(reader);
    p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k)));
  }
}
