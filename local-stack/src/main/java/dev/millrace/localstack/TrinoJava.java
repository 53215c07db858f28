package dev.millrace.localstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The JDK Trino runs on. Trino 476 refuses anything older than Java 24, while the build and the
 * tests may run on 17, so it is looked up, first match wins:
 *
 * <ol>
 *   <li>{@code -Dmillrace.localstack.trino-java-home} (must be ≥ 24);</li>
 *   <li>the environment variable {@code MILLRACE_TRINO_JAVA_HOME} (must be ≥ 24);</li>
 *   <li>{@code JAVA_HOME}, if it is ≥ 24;</li>
 *   <li>the JDK running this JVM, if it is ≥ 24;</li>
 *   <li>the newest JDK ≥ 24 under {@code /usr/lib/jvm}.</li>
 * </ol>
 *
 * The version is read from the JDK's {@code release} file, so nothing is started to find it.
 */
final class TrinoJava {

  static final int MINIMUM = 24;
  static final String PROPERTY = "millrace.localstack.trino-java-home";
  static final String ENV = "MILLRACE_TRINO_JAVA_HOME";

  private static final Pattern JAVA_VERSION = Pattern.compile("^JAVA_VERSION=\"([0-9]+)(?:\\.([0-9]+))?[^\"]*\"",
      Pattern.MULTILINE);

  /** The JDK for Trino on this machine, or a {@link LocalStackException} saying what to install or set. */
  static Path find() {
    return find(System.getProperty(PROPERTY), System.getenv(), Paths.get(System.getProperty("java.home")),
        Paths.get("/usr/lib/jvm"));
  }

  static Path find(String property, Map<String, String> env, Path running, Path jvmDir) {
    if (property != null && !property.isBlank()) {
      return explicit(Paths.get(property), "-D" + PROPERTY);
    }
    String fromEnv = env.get(ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return explicit(Paths.get(fromEnv), ENV);
    }
    List<String> seen = new ArrayList<>();
    List<Path> candidates = new ArrayList<>();
    String javaHome = env.get("JAVA_HOME");
    if (javaHome != null && !javaHome.isBlank()) {
      candidates.add(Paths.get(javaHome));
    }
    candidates.add(running);
    candidates.addAll(installed(jvmDir));
    for (Path candidate : candidates) {
      OptionalInt version = version(candidate);
      if (version.isPresent() && version.getAsInt() >= MINIMUM && Files.isExecutable(java(candidate))) {
        return candidate;
      }
      seen.add(candidate + " (" + (version.isPresent() ? "Java " + version.getAsInt() : "no JDK") + ")");
    }
    throw new LocalStackException("Trino needs a JDK " + MINIMUM + " or newer and none was found; looked at "
        + String.join(", ", seen) + ". Install one (e.g. Temurin 25 under /usr/lib/jvm) or point -D"
        + PROPERTY + " or " + ENV + " at it.", null);
  }

  static Path java(Path javaHome) {
    return javaHome.resolve("bin").resolve("java");
  }

  /** The feature version (17, 25, ...) named by {@code javaHome/release}; empty when unreadable. */
  static OptionalInt version(Path javaHome) {
    try {
      Matcher m = JAVA_VERSION.matcher(Files.readString(javaHome.resolve("release"), StandardCharsets.UTF_8));
      if (!m.find()) {
        return OptionalInt.empty();
      }
      int major = Integer.parseInt(m.group(1));
      // "1.8.0_402" is Java 8
      return OptionalInt.of(major == 1 && m.group(2) != null ? Integer.parseInt(m.group(2)) : major);
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  /** A JDK the caller named: used as it is, unless it is visibly too old or not a JDK. */
  private static Path explicit(Path javaHome, String source) {
    if (!Files.isExecutable(java(javaHome))) {
      throw new LocalStackException(source + " points at " + javaHome + ", which has no bin/java", null);
    }
    OptionalInt version = version(javaHome);
    if (version.isPresent() && version.getAsInt() < MINIMUM) {
      throw new LocalStackException(source + " points at " + javaHome + ", a Java " + version.getAsInt()
          + "; Trino needs " + MINIMUM + " or newer", null);
    }
    return javaHome;
  }

  /** The JDKs under {@code jvmDir}, newest first (symbolic-link aliases included; duplicates are harmless). */
  private static List<Path> installed(Path jvmDir) {
    if (!Files.isDirectory(jvmDir)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(jvmDir)) {
      return dirs.filter(Files::isDirectory)
          .sorted(Comparator.comparingInt((Path p) -> version(p).orElse(0)).reversed()
              .thenComparing(Path::toString))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private TrinoJava() {}
}
