package dev.millrace.analytics;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Trino catalog file as the project ships it ({@code analytics/trino/catalog/<name>.properties}),
 * with its {@code ${ENV:NAME}} placeholders resolved the way Trino resolves them at start-up.
 */
record ShippedCatalog(String name, Map<String, String> properties) {

  static final Path FOLDER = Path.of("trino", "catalog");
  private static final Pattern ENV = Pattern.compile("\\$\\{ENV:([A-Z0-9_]+)}");

  static ShippedCatalog read(String name, Map<String, String> environment) {
    Properties file = new Properties();
    try (Reader in = Files.newBufferedReader(FOLDER.resolve(name + ".properties"))) {
      file.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> resolved = new LinkedHashMap<>();
    for (String key : file.stringPropertyNames()) {
      Matcher m = ENV.matcher(file.getProperty(key));
      StringBuilder value = new StringBuilder();
      while (m.find()) {
        String v = environment.get(m.group(1));
        if (v == null) {
          throw new IllegalArgumentException(name + ".properties: " + key + " needs " + m.group(1));
        }
        m.appendReplacement(value, Matcher.quoteReplacement(v));
      }
      m.appendTail(value);
      resolved.put(key, value.toString());
    }
    return new ShippedCatalog(name, resolved);
  }

  String connector() {
    return properties.get("connector.name");
  }

  /** The properties without {@code connector.name}, as {@code CREATE CATALOG ... WITH} takes them. */
  Map<String, String> withProperties() {
    Map<String, String> p = new LinkedHashMap<>(properties);
    p.remove("connector.name");
    return p;
  }
}
