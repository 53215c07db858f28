package dev.millrace.localrun.analytics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The curation job as a child JVM, as Airflow's {@code local} runner starts it: Spark needs its own
 * class path (it cannot share the launcher's), so the launcher runs
 * {@code java -Xmx… @curation/target/curation-jvm.args -cp <the job's class path> CurationMain …}
 * from the files {@code curation/pom.xml} writes at {@code package}. Settings come from
 * {@link RunEndpoints}: {@code --set} for the plain ones, the environment for the secrets.
 */
public final class CurationJob {

  /** The job's heap: a demo day is a few thousand rows; Spark itself needs most of it. */
  public static final String HEAP = "1g";
  public static final String MAIN = "dev.millrace.curation.CurationMain";

  private CurationJob() {}

  /** The files the build leaves for this; a missing one is named with the command that builds it. */
  public static List<Path> required(Path repo, String version) {
    Path target = repo.resolve("curation").resolve("target");
    return List.of(target.resolve("millrace-curation-" + version + ".jar"), target.resolve("curation-classpath.txt"),
        target.resolve("curation-jvm.args"));
  }

  /** Empty when the job can be started, else what is missing and how to build it. */
  public static List<String> missing(Path repo, String version) {
    return required(repo, version).stream().filter(p -> !Files.isRegularFile(p))
        .map(p -> p + " (build it with `./mvnw -q -B -DskipTests -pl curation -am package`)").toList();
  }

  /**
   * The command line; pure, so it is tested without Spark.
   *
   * @param cliArgs the job's own arguments, e.g. {@code run --ds 2026-12-06}
   */
  public static List<String> command(Path javaBin, Path repo, String version, RunEndpoints endpoints,
                                     List<String> cliArgs) {
    List<Path> files = required(repo, version);
    String classpath;
    try {
      classpath = files.get(0) + java.io.File.pathSeparator + Files.readString(files.get(1)).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command = new ArrayList<>(List.of(javaBin.toString(), "-Xmx" + HEAP,
        // A few seconds of Spark on a few thousand rows: C1 and the serial collector start sooner
        // and leave the other core to the pipeline (as the curation tests run it).
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "@" + files.get(2), "-cp", classpath, MAIN));
    command.addAll(cliArgs);
    Map<String, String> settings = new java.util.LinkedHashMap<>(endpoints.curationSettings());
    settings.put("millrace.curation.spark-master", "local[2]");
    settings.put("spark.sql.shuffle.partitions", "2");
    settings.put("spark.default.parallelism", "2");
    settings.put("spark.ui.enabled", "false");
    settings.forEach((k, v) -> {
      command.add("--set");
      command.add(k + "=" + v);
    });
    return command;
  }

  /** Starts the job, its output appended to {@code log}; its exit code: 0 published, 3 unmarked hours, 4 a blocking check failed (curation/README.md). */
  public static Process start(Path javaBin, Path repo, String version, RunEndpoints endpoints, List<String> cliArgs,
                              Path log) {
    ProcessBuilder pb = new ProcessBuilder(command(javaBin, repo, version, endpoints, cliArgs))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(endpoints.curationSecrets());
    try {
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The java that runs this JVM, for the child. */
  public static Path currentJava() {
    return Path.of(ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
  }
}
