package dev.millrace.localrun.analytics;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Where a running {@code ./millrace up} keeps its curated tables: the Iceberg JDBC catalog on
 * PostgreSQL, the S3 store (the batch loader's bucket and the warehouse) and Trino. The launcher
 * writes it to {@code <home>/endpoints.properties} (owner-only: it holds the run's local
 * passwords); {@code ./millrace curate} reads it to run the job against the same instance.
 */
public record RunEndpoints(String trinoUrl, String catalogName, String catalogJdbcUrl, String catalogUser,
                           String catalogPassword, String warehouse, String s3Endpoint, String s3Region,
                           String s3AccessKey, String s3SecretKey, String inputBucket, String inputPrefix,
                           String namespace) {

  public static final String FILE = "endpoints.properties";

  private static final List<String> KEYS = List.of("trino.url", "catalog.name", "catalog.jdbc-url", "catalog.user",
      "catalog.password", "catalog.warehouse", "s3.endpoint", "s3.region", "s3.access-key", "s3.secret-key",
      "input.bucket", "input.prefix", "namespace");

  public Map<String, String> toMap() {
    List<String> values = List.of(trinoUrl, catalogName, catalogJdbcUrl, catalogUser, catalogPassword, warehouse,
        s3Endpoint, s3Region, s3AccessKey, s3SecretKey, inputBucket, inputPrefix, namespace);
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < KEYS.size(); i++) {
      map.put(KEYS.get(i), values.get(i));
    }
    return map;
  }

  /** The file's text, in a fixed order. */
  public String format() {
    StringBuilder text = new StringBuilder("# written by ./millrace up; read by ./millrace curate. Deleted when it stops.\n");
    toMap().forEach((k, v) -> text.append(k).append('=').append(escape(v)).append('\n'));
    return text.toString();
  }

  /** Parses {@link #format()}'s text; names every missing key at once. */
  public static RunEndpoints parse(String text) {
    Properties props = new Properties();
    try (Reader in = new StringReader(text)) {
      props.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> missing = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (String key : KEYS) {
      String v = props.getProperty(key);
      if (v == null || v.isBlank()) missing.add(key);
      values.add(v);
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("the endpoints file lacks " + String.join(", ", missing));
    }
    return new RunEndpoints(values.get(0), values.get(1), values.get(2), values.get(3), values.get(4), values.get(5),
        values.get(6), values.get(7), values.get(8), values.get(9), values.get(10), values.get(11), values.get(12));
  }

  public void write(Path home) {
    writeOwnerOnly(home.resolve(FILE), format());
  }

  /** Writes {@code text} to a new file only its owner can read (it holds a run's local passwords). */
  public static void writeOwnerOnly(Path file, String text) {
    try {
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, text);
    } catch (UnsupportedOperationException e) {
      try {
        Files.writeString(file, text); // not POSIX: the folder's permissions apply
      } catch (IOException io) {
        throw new UncheckedIOException(io);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The curation job's settings for this instance: non-secret keys for {@code --set}, and the
   * secrets as environment variables (never on a command line, where {@code ps} shows them).
   */
  public Map<String, String> curationSettings() {
    Map<String, String> set = new LinkedHashMap<>();
    String p = "millrace.curation.";
    set.put(p + "catalog.name", catalogName);
    set.put(p + "catalog.type", "jdbc");
    set.put(p + "catalog.uri", catalogJdbcUrl);
    set.put(p + "catalog.jdbc.user", catalogUser);
    set.put(p + "catalog.warehouse", warehouse);
    set.put(p + "s3.endpoint", s3Endpoint);
    set.put(p + "s3.region", s3Region);
    set.put(p + "input.bucket", inputBucket);
    set.put(p + "input.prefix", inputPrefix);
    set.put(p + "namespace", namespace);
    return set;
  }

  public Map<String, String> curationSecrets() {
    return Map.of("MILLRACE_CURATION_CATALOG_JDBC_PASSWORD", catalogPassword,
        "MILLRACE_CURATION_S3_ACCESS_KEY", s3AccessKey,
        "MILLRACE_CURATION_S3_SECRET_KEY", s3SecretKey);
  }

  private static String escape(String value) {
    // Properties' own escaping (':' '=' '\' in JDBC URLs), so parse() gives back the same text.
    Properties one = new Properties();
    one.setProperty("k", value);
    StringWriter w = new StringWriter();
    try {
      one.store(w, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String line = w.toString().lines().filter(l -> l.startsWith("k=")).findFirst().orElseThrow();
    return line.substring(2);
  }
}
