package dev.millrace.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The project's {@code docker-compose.yml} as Compose reads it: YAML with merge keys ({@code <<}),
 * and {@code ${VAR}} interpolation from an {@code .env} file.
 */
final class ComposeFile {

  /** {@code $$} (a literal dollar) or {@code ${NAME}}, {@code ${NAME:-default}}, {@code ${NAME:?error}}. */
  private static final Pattern INTERPOLATION =
      Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}");

  /** The five services of the pipeline, as named in the compose file and by local-run. */
  static final List<String> PIPELINE = List.of("enrichment-api", "collector", "enricher", "realtime-loader",
      "batch-loader");

  private final Map<String, Object> root;

  private ComposeFile(Map<String, Object> root) {
    this.root = root;
  }

  static Path repo() {
    return Path.of(System.getProperty("millrace.repo", "..")).toAbsolutePath().normalize();
  }

  static ComposeFile load() {
    return load(repo().resolve("docker-compose.yml"));
  }

  @SuppressWarnings("unchecked")
  static ComposeFile load(Path file) {
    try (Reader in = Files.newBufferedReader(file)) {
      return new ComposeFile((Map<String, Object>) new Yaml(new LoaderOptions()).load(in));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
  }

  /** The whole file as parsed, merge keys resolved, nothing interpolated. */
  Map<String, Object> tree() {
    return root;
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> service(String name) {
    Map<String, Object> services = (Map<String, Object>) root.get("services");
    Object service = services.get(name);
    if (service == null) {
      throw new IllegalArgumentException("no service '" + name + "' in docker-compose.yml");
    }
    return (Map<String, Object>) service;
  }

  @SuppressWarnings("unchecked")
  Map<String, Map<String, Object>> services() {
    return (Map<String, Map<String, Object>>) root.get("services");
  }

  /** A service's environment as written (values not interpolated). */
  @SuppressWarnings("unchecked")
  Map<String, String> rawEnvironment(String name) {
    Object env = service(name).get("environment");
    Map<String, String> out = new LinkedHashMap<>();
    if (env instanceof Map<?, ?> map) {
      map.forEach((k, v) -> out.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    } else if (env instanceof List<?> list) {
      for (Object item : list) {
        String s = String.valueOf(item);
        int eq = s.indexOf('=');
        out.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
      }
    }
    return out;
  }

  /** A service's environment as the container gets it, interpolated from {@code dotenv}. */
  Map<String, String> environment(String name, Map<String, String> dotenv) {
    Map<String, String> out = new LinkedHashMap<>();
    rawEnvironment(name).forEach((k, v) -> out.put(k, interpolate(v, dotenv)));
    return out;
  }

  /** Published ports as {@code host:container} strings. */
  @SuppressWarnings("unchecked")
  List<String> ports(String name) {
    Object ports = service(name).get("ports");
    return ports == null ? List.of() : ((List<Object>) ports).stream().map(String::valueOf).toList();
  }

  String image(String name, Map<String, String> dotenv) {
    return interpolate(String.valueOf(service(name).get("image")), dotenv);
  }

  /** Compose's interpolation: a missing {@code ${X:?msg}} fails, as {@code docker compose} does. */
  static String interpolate(String value, Map<String, String> dotenv) {
    Matcher m = INTERPOLATION.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group().equals("$$")) {
        replacement = "$";
      } else {
        String name = m.group(1);
        String op = m.group(2);
        String arg = m.group(3);
        String set = dotenv.get(name);
        boolean unset = set == null || (op != null && op.startsWith(":") && set.isEmpty());
        if (op == null) {
          replacement = set == null ? "" : set;
        } else if (op.endsWith("-")) {
          replacement = unset ? arg : set;
        } else if (unset) {
          throw new IllegalArgumentException("required variable " + name + " is missing a value: " + arg);
        } else {
          replacement = set;
        }
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** {@code KEY=VALUE} lines of an env file; comments and blank lines skipped. */
  static Map<String, String> dotenv(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        int eq = t.indexOf('=');
        out.put(t.substring(0, eq), t.substring(eq + 1));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
    return out;
  }
}
