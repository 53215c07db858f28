package dev.millrace.enricher.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * Where payload schemas are read from, in Iglu's layout: {@code <location>/<event_type>/<version>.json}.
 *
 * <p>A location is {@code classpath:schemas} (the schemas shipped in the jar, the default), a
 * directory ({@code file:/etc/millrace/schemas} or a plain path), an HTTP(S) base URL
 * ({@code https://schemas.example.com/millrace}) or an S3/MinIO prefix ({@code s3://bucket/prefix},
 * see {@link S3SchemaStore}), so operators publish event types and versions without a new build.
 *
 * <p>A store answers "none" only when it knows there is none (no such file, 404, no such key);
 * a store it cannot reach throws, so an outage is never taken for a missing schema.
 */
public interface SchemaStore {

  /** A schema file's name in the layout: {@code <event_type>/<version>.json}. */
  Pattern FILE = Pattern.compile("([a-z][a-z0-9_]*)/([1-9][0-9]*-(?:0|[1-9][0-9]*)-(?:0|[1-9][0-9]*))\\.json");

  /**
   * The schema's text, or empty when there is none for this type and version.
   *
   * @throws UncheckedIOException when the location cannot be read
   */
  Optional<InputStream> open(String eventType, String version);

  /** A human-readable name of the location, for logs. */
  String describe();

  /**
   * Every schema the location holds: event type to its versions; empty when the location cannot be
   * listed (an HTTP base URL).
   */
  default Optional<SortedMap<String, SortedSet<String>>> list() {
    return Optional.empty();
  }

  static SchemaStore at(String location) {
    if (location.startsWith("classpath:")) {
      return classpath(location);
    }
    if (location.startsWith("http://") || location.startsWith("https://")) {
      return http(location);
    }
    if (location.startsWith("s3://")) {
      throw new IllegalArgumentException("an s3:// schema location needs its connection: use S3SchemaStore");
    }
    return directory(Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location));
  }

  private static SchemaStore classpath(String location) {
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

      @Override
      public Optional<SortedMap<String, SortedSet<String>>> list() {
        try {
          Resource[] found = new PathMatchingResourcePatternResolver(loader)
              .getResources("classpath*:" + (root.isEmpty() ? "" : root + "/") + "*/*.json");
          SortedMap<String, SortedSet<String>> all = new TreeMap<>();
          for (Resource r : found) {
            String url = r.getURL().toString();
            int file = url.lastIndexOf('/');
            int dir = url.lastIndexOf('/', file - 1);
            add(all, url.substring(dir + 1));
          }
          return Optional.of(all);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list " + location, e);
        }
      }
    };
  }

  private static SchemaStore directory(Path dir) {
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

      @Override
      public Optional<SortedMap<String, SortedSet<String>>> list() {
        SortedMap<String, SortedSet<String>> all = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
          return Optional.of(all);
        }
        try (Stream<Path> files = Files.walk(dir, 2)) {
          files.filter(Files::isRegularFile)
              .forEach(f -> add(all, dir.relativize(f).toString().replace('\\', '/')));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list " + dir, e);
        }
        return Optional.of(all);
      }
    };
  }

  /** GET {@code <base>/<type>/<version>.json}; 404 is "none", any other failure throws. */
  private static SchemaStore http(String location) {
    String base = location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NORMAL).build();
    return new SchemaStore() {
      @Override
      public Optional<InputStream> open(String eventType, String version) {
        URI uri = URI.create(base + "/" + eventType + "/" + version + ".json");
        try {
          HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
              .header("Accept", "application/json, application/schema+json").GET().build(),
              HttpResponse.BodyHandlers.ofByteArray());
          if (r.statusCode() == 404 || r.statusCode() == 410) {
            return Optional.empty();
          }
          if (r.statusCode() != 200) {
            throw new UncheckedIOException(new IOException("GET " + uri + " answered " + r.statusCode()));
          }
          return Optional.of(new java.io.ByteArrayInputStream(r.body()));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + uri, e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new UncheckedIOException(new IOException("interrupted reading " + uri, e));
        }
      }

      @Override
      public String describe() {
        return base;
      }
    };
  }

  /** Adds {@code <type>/<version>.json} to a listing; other names are not schemas and are skipped. */
  static void add(Map<String, SortedSet<String>> all, String relative) {
    Matcher m = FILE.matcher(relative);
    if (m.matches()) {
      all.computeIfAbsent(m.group(1), t -> new TreeSet<>(SchemaVer.ORDER)).add(m.group(2));
    }
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
