package dev.millrace.deploy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every configuration key a service reads, from its shipped exec jar: the Spring configuration
 * metadata that the build writes for the service's own configuration class, and that Spring Boot's
 * and every other library's jars inside it carry. So "a key the service reads" is decided by the
 * code that binds it, not by a list kept by hand.
 *
 * <p>An environment variable binds to a key by Spring's relaxed rules: upper case, dots to
 * underscores, dashes dropped; below a map or list key, anything may follow.
 */
final class ServiceSettings {

  private static final String METADATA = "META-INF/spring-configuration-metadata.json";
  private static final String ADDITIONAL = "META-INF/additional-spring-configuration-metadata.json";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Environment variables the JVM itself reads (the images pass heap and flags through them). */
  static final Set<String> JVM_ENVIRONMENT = Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

  /** key -> its Java type, e.g. {@code millrace.collector.write-keys -> java.util.Map<...>}. */
  private final Map<String, String> keys;

  private ServiceSettings(Map<String, String> keys) {
    this.keys = keys;
  }

  private static final Map<Path, ServiceSettings> READ = new java.util.concurrent.ConcurrentHashMap<>();

  /** The settings of the service in {@code execJar}; each jar is read once per test run. */
  static ServiceSettings of(Path execJar) {
    return READ.computeIfAbsent(execJar.toAbsolutePath().normalize(), ServiceSettings::read);
  }

  private static ServiceSettings read(Path execJar) {
    Map<String, String> keys = new TreeMap<>();
    try (ZipFile jar = new ZipFile(execJar.toFile())) {
      for (ZipEntry e : jar.stream().toList()) {
        String name = e.getName();
        // The service's own metadata: Boot's repackaging moves the classes' META-INF to the root.
        if (name.equals(METADATA) || name.equals(ADDITIONAL)
            || name.equals("BOOT-INF/classes/" + METADATA) || name.equals("BOOT-INF/classes/" + ADDITIONAL)) {
          try (InputStream in = jar.getInputStream(e)) {
            read(in.readAllBytes(), keys);
          }
        } else if (name.startsWith("BOOT-INF/lib/") && name.endsWith(".jar")) {
          try (InputStream in = jar.getInputStream(e)) {
            readNested(in.readAllBytes(), keys);
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + execJar, e);
    }
    if (keys.isEmpty()) {
      throw new IllegalStateException(execJar + " carries no configuration metadata");
    }
    return new ServiceSettings(keys);
  }

  private static void readNested(byte[] jar, Map<String, String> keys) throws IOException {
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(jar))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        if (e.getName().equals(METADATA) || e.getName().equals(ADDITIONAL)) {
          read(zip.readAllBytes(), keys);
        }
      }
    }
  }

  private static void read(byte[] json, Map<String, String> keys) {
    JsonNode properties = JSON.readTree(json).path("properties");
    for (JsonNode p : properties) {
      keys.putIfAbsent(p.path("name").asString(), p.path("type").asString(""));
    }
  }

  /** The keys under {@code prefix} (e.g. {@code millrace.collector.}), as bound. */
  Set<String> keysUnder(String prefix) {
    return keys.keySet().stream().filter(k -> k.startsWith(prefix))
        .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
  }

  /** Whether a variable of this name reaches a key the service reads (or the JVM). */
  boolean reads(String environmentVariable) {
    if (JVM_ENVIRONMENT.contains(environmentVariable)) {
      return true;
    }
    for (Map.Entry<String, String> key : keys.entrySet()) {
      String form = environmentForm(key.getKey());
      if (environmentVariable.equals(form)) {
        return true;
      }
      if (isContainer(key.getValue()) && environmentVariable.startsWith(form + "_")) {
        return true;
      }
    }
    return false;
  }

  /** Spring's canonical environment form of a key: {@code a.b-c} is {@code A_BC}. */
  static String environmentForm(String key) {
    return key.replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  private static boolean isContainer(String type) {
    return type.startsWith("java.util.Map") || type.startsWith("java.util.List") || type.startsWith("java.util.Set")
        || type.startsWith("java.util.Collection") || type.endsWith("[]");
  }
}
