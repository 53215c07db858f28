package dev.millrace.enricher.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where payload schemas are read from: {@code <location>/<event_type>/<version>.json}.
 *
 * <p>A location is {@code classpath:schemas} (the schemas shipped in the jar, the default) or a
 * directory, written {@code file:/etc/millrace/schemas} or as a plain path, so operators can add
 * event types without a new build.
 */
public interface SchemaStore {

  /** The schema's text, or empty when there is none for this type and version. */
  Optional<InputStream> open(String eventType, String version);

  /** A human-readable name of the location, for logs. */
  String describe();

  static SchemaStore at(String location) {
    if (location.startsWith("classpath:")) {
      String root = trimSlashes(location.substring("classpath:".length()));
      ClassLoader loader = SchemaStore.class.getClassLoader();
      return new SchemaStore() {
        @Override
        public Optional<InputStream> open(String eventType, String version) {
          String name = (root.isEmpty() ? "" : root + "/") + eventType + "/" + version + ".json";
          return Optional.ofNullable(loader.getResourceAsStream(name));
        }

        @Override
        public String describe() {
          return location;
        }
      };
    }
    Path dir = Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location);
    return new SchemaStore() {
      @Override
      public Optional<InputStream> open(String eventType, String version) {
        try {
          return Optional.of(Files.newInputStream(dir.resolve(eventType).resolve(version + ".json")));
        } catch (NoSuchFileException e) {
          return Optional.empty();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public String describe() {
        return dir.toString();
      }
    };
  }

  private static String trimSlashes(String s) {
    String t = s;
    while (t.startsWith("/")) {
      t = t.substring(1);
    }
    while (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }
}
