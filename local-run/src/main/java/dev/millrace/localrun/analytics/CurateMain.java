package dev.millrace.localrun.analytics;

import dev.millrace.localrun.Launcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./millrace curate}: the curation job, without Airflow, against the catalog and S3 of the
 * running {@code ./millrace up} (read from {@code <home>/endpoints.properties}). Its exit code is
 * the job's (0 published, 3 unmarked hours, 4 a blocking check failed, 5 another run published first).
 */
@Command(name = "millrace curate", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Runs the curation job for one day (--ds) or a range (--from/--to) against the running"
        + " ./millrace up's Iceberg catalog and S3, without Airflow. The job's output goes to the terminal.")
public final class CurateMain implements Callable<Integer> {

  @Option(names = "--ds", paramLabel = "YYYY-MM-DD", description = "The day to curate.")
  LocalDate ds;

  @Option(names = "--from", paramLabel = "YYYY-MM-DD", description = "First day of a backfill (with --to).")
  LocalDate from;

  @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "Last day of a backfill (with --from).")
  LocalDate to;

  @Option(names = "--tables", paramLabel = "T,T", description = "Build these tables and what they depend on (default: all).")
  String tables;

  @Option(names = "--allow-incomplete", description = "Curate from the marked hours even if some are not marked (partial).")
  boolean allowIncomplete;

  @Option(names = "--dry-run", description = "Print the plan (tables, checks, marked hours) and start no Spark.")
  boolean dryRun;

  @Option(names = "--repo", paramLabel = "DIR", defaultValue = ".", description = "Repository root (default: current folder).")
  Path repo;

  @Option(names = "--home", paramLabel = "DIR", description = "The running instance's folder (default: <repo>/.millrace).")
  Path home;

  /** The job's arguments; throws IllegalArgumentException naming the bad option. Pure. */
  List<String> jobArgs() {
    List<String> args = new ArrayList<>();
    if (ds != null && from == null && to == null) {
      args.addAll(List.of("run", "--ds", ds.toString()));
    } else if (ds == null && from != null && to != null) {
      if (to.isBefore(from)) throw new IllegalArgumentException("--to " + to + " is before --from " + from);
      args.addAll(List.of("backfill", "--from", from.toString(), "--to", to.toString()));
    } else {
      throw new IllegalArgumentException("give either --ds D or both --from D1 and --to D2");
    }
    if (tables != null) args.addAll(List.of("--tables", tables));
    if (allowIncomplete) args.add("--allow-incomplete");
    if (dryRun) args.add("--dry-run");
    return args;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    List<String> args;
    try {
      args = jobArgs();
    } catch (IllegalArgumentException e) {
      System.err.println("millrace curate: " + e.getMessage());
      return 2;
    }
    Path root = repo.toAbsolutePath().normalize();
    Path folder = home == null ? root.resolve(".millrace") : home.toAbsolutePath();
    Path file = folder.resolve(RunEndpoints.FILE);
    if (!Files.isRegularFile(file)) {
      System.err.println("millrace curate: no running instance with analytics (" + file + " is missing);"
          + " start one with `./millrace up` (without --no-analytics) in another terminal.");
      return 2;
    }
    List<String> missing = CurationJob.missing(root, Launcher.version());
    if (!missing.isEmpty()) {
      System.err.println("millrace curate: missing " + String.join(", ", missing));
      return 2;
    }
    RunEndpoints endpoints = RunEndpoints.parse(Files.readString(file));
    ProcessBuilder pb = new ProcessBuilder(CurationJob.command(CurationJob.currentJava(), root, Launcher.version(),
        endpoints, args)).inheritIO();
    pb.environment().putAll(endpoints.curationSecrets());
    Process job = pb.start();
    Runtime.getRuntime().addShutdownHook(new Thread(job::destroy)); // Ctrl-C ends the job too
    int code = job.waitFor();
    if (code == 0 && !dryRun) {
      System.out.println("published; query it with Trino at " + endpoints.trinoUrl() + " ("
          + endpoints.catalogName() + "." + endpoints.namespace() + ".<table>)");
    }
    return code;
  }
}
