package dev.millrace.curation;

import dev.millrace.curation.catalog.CuratedTable;
import dev.millrace.curation.config.CurationConfig;
import dev.millrace.curation.input.InputPlan;
import dev.millrace.curation.input.LakeInput;
import dev.millrace.curation.quality.CheckName;
import dev.millrace.curation.run.CurationJob;
import dev.millrace.curation.run.Maintenance;
import dev.millrace.curation.run.RunFailure;
import dev.millrace.curation.run.RunOptions;
import dev.millrace.curation.run.RunResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.io.FileIO;
import org.apache.spark.sql.SparkSession;

/**
 * {@code millrace-curation}: the command line of the curation job.
 *
 * <pre>
 * run      --ds D                 [--tables a,b] [--allow-incomplete] [--dry-run]
 * backfill --from D1 --to D2      [--tables a,b] [--allow-incomplete] [--dry-run]
 * maintain [--older-than 7d] [--retain-last 10]
 * common:  [--config file.properties] [--set key=value]...
 * </pre>
 *
 * Exit codes: 0 published, 2 usage or configuration, 3 incomplete input, 4 a blocking check
 * failed, 5 another run published first, 1 anything else.
 */
public final class CurationMain {

  static final String USAGE = """
      usage: millrace-curation run --ds YYYY-MM-DD [options]
             millrace-curation backfill --from YYYY-MM-DD --to YYYY-MM-DD [options]
             millrace-curation maintain [--older-than 7d] [--retain-last 10] [--config F] [--set k=v]...
      options:
        --tables a,b          build only these tables and what they depend on (%s)
        --allow-incomplete    build from the marked hours even when some hours have no marker
        --dry-run             print the plan (inputs, tables, checks) and change nothing
        --config FILE         a properties file of millrace.curation.* and spark.* keys
        --set KEY=VALUE       one setting (repeatable); environment variables work too
      """;

  private CurationMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  /** Runs the command line and returns the exit code. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Args parsed;
    CurationConfig config;
    try {
      parsed = Args.parse(args);
      CuratedTable.closure(parsed.tables); // the command line's own mistakes first, then the settings'
      config = CurationConfig.load(parsed.configFile, env, parsed.settings);
    } catch (IllegalArgumentException e) {
      err.println("millrace-curation: " + e.getMessage());
      err.printf(USAGE, names());
      return 2;
    }
    if (parsed.dryRun) {
      try (FileIO io = config.fileIO()) {
        printPlan(parsed, config, new LakeInput(io, config.inputBucket(), config.inputPrefix()), out);
        return 0;
      }
    }
    SparkSession spark = session(config);
    try {
      return execute(parsed, config, spark, out, err);
    } finally {
      spark.stop();
    }
  }

  /**
   * Runs a command line with a given base configuration and Spark session (which it leaves
   * running); for embedding the job, e.g. in tests and the local launcher.
   */
  public static int run(String[] args, CurationConfig base, SparkSession spark, PrintStream out, PrintStream err) {
    Args parsed;
    try {
      parsed = Args.parse(args);
      CuratedTable.closure(parsed.tables);
      return execute(parsed, base.with(parsed.settings), spark, out, err);
    } catch (IllegalArgumentException e) {
      err.println("millrace-curation: " + e.getMessage());
      return 2;
    }
  }

  private static int execute(Args parsed, CurationConfig config, SparkSession spark, PrintStream out,
      PrintStream err) {
    try (FileIO io = config.fileIO()) {
      if (parsed.command.equals("maintain")) {
        new Maintenance(spark, config).run(parsed.olderThan, parsed.retainLast, out);
        return 0;
      }
      CurationJob job = new CurationJob(spark, config, new LakeInput(io, config.inputBucket(), config.inputPrefix()),
          Clock.systemUTC());
      RunOptions options = new RunOptions(parsed.tables, parsed.allowIncomplete);
      for (LocalDate ds = parsed.from; !ds.isAfter(parsed.to); ds = ds.plusDays(1)) {
        try {
          RunResult r = job.run(ds, options);
          out.printf("ds %s published (run %s): %d input rows, %d duplicates removed, rows %s%s%n", ds, r.runId(),
              r.inputRows(), r.duplicatesRemoved(), r.outputRows(), r.partial() ? " [PARTIAL: hours missing]" : "");
          r.checks().forEach(c -> out.println("  " + c.describe()));
        } catch (RunFailure f) {
          err.println("millrace-curation: " + f.getMessage());
          if (f.kind() == RunFailure.Kind.ERROR && f.getCause() != null) {
            f.getCause().printStackTrace(err);
          }
          return f.exitCode(); // a backfill stops at the first day that fails: later days build on it
        }
      }
      return 0;
    }
  }

  /** The Spark session: {@code spark-submit}'s master when there is one, else the configured one. */
  public static SparkSession session(CurationConfig config) {
    SparkSession.Builder builder = SparkSession.builder().appName("millrace-curation");
    if (System.getProperty("spark.master") == null && config.sparkMaster() != null) {
      builder.master(config.sparkMaster());
    }
    config.sparkSettings().forEach(builder::config);
    return builder.getOrCreate();
  }

  private static void printPlan(Args a, CurationConfig config, LakeInput lake, PrintStream out) {
    List<CuratedTable> tables = CuratedTable.closure(a.tables);
    out.println("plan (dry run: nothing is read into Spark or written)");
    out.println("input: " + config.inputBucket() + "/" + config.inputPrefix() + "   catalog: " + config.catalogName() + " ("
        + config.warehouse() + ")   namespace: " + config.namespace());
    out.println("tables, in build order:");
    for (CuratedTable t : tables) {
      out.printf("  %-14s %-14s %s%n", t.tableName(), t.write(), t.description());
    }
    out.println("checks:");
    for (CheckName c : CheckName.values()) {
      if (tables.stream().anyMatch(t -> t.tableName().equals(c.table()))) {
        CurationConfig.CheckSettings s = config.check(c);
        out.printf("  %-17s %-8s %s%s%n", c.key(), s.severity(), c.description(),
            c.hasThreshold() ? " (threshold " + s.threshold() + ")" : "");
      }
    }
    for (LocalDate ds = a.from; !ds.isAfter(a.to); ds = ds.plusDays(1)) {
      InputPlan plan = lake.plan(ds);
      out.printf("ds %s: %d marked hours, %d files%s%s%n", ds, plan.hours().size(), plan.files().size(),
          plan.complete() ? "" : "; MISSING hours " + plan.missingHours()
              + (a.allowIncomplete ? " (allowed: the tables will say partial)" : " (the run would fail)"),
          plan.unlistedFiles().isEmpty() ? "" : "; " + plan.unlistedFiles().size() + " files in no manifest (ignored)");
      for (InputPlan.MarkedHour h : plan.hours()) {
        out.printf("  hour %02d  %3d files  manifest sha256 %s%n", h.hour(), h.files().size(), h.sha256());
      }
    }
  }

  private static String names() {
    return String.join(", ", Arrays.stream(CuratedTable.values()).map(CuratedTable::tableName).toList());
  }

  /** The parsed command line. */
  static final class Args {
    String command;
    LocalDate from;
    LocalDate to;
    List<String> tables = List.of();
    boolean allowIncomplete;
    boolean dryRun;
    Path configFile;
    Map<String, String> settings = new LinkedHashMap<>();
    String olderThan = "7d";
    int retainLast = 10;

    static Args parse(String[] args) {
      if (args.length == 0) {
        throw new IllegalArgumentException("no command");
      }
      Args a = new Args();
      a.command = args[0];
      if (!List.of("run", "backfill", "maintain").contains(a.command)) {
        throw new IllegalArgumentException("unknown command '" + a.command + "'");
      }
      for (int i = 1; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--ds" -> a.from = a.to = date(arg, value(args, ++i, arg));
          case "--from" -> a.from = date(arg, value(args, ++i, arg));
          case "--to" -> a.to = date(arg, value(args, ++i, arg));
          case "--tables" -> a.tables = Arrays.stream(value(args, ++i, arg).split(","))
              .map(String::trim).filter(s -> !s.isEmpty()).toList();
          case "--allow-incomplete" -> a.allowIncomplete = true;
          case "--dry-run" -> a.dryRun = true;
          case "--config" -> a.configFile = Path.of(value(args, ++i, arg));
          case "--set" -> {
            String kv = value(args, ++i, arg);
            int eq = kv.indexOf('=');
            if (eq <= 0) {
              throw new IllegalArgumentException("--set takes KEY=VALUE, not '" + kv + "'");
            }
            a.settings.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
          }
          case "--older-than" -> a.olderThan = value(args, ++i, arg);
          case "--retain-last" -> a.retainLast = Integer.parseInt(value(args, ++i, arg));
          default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
        }
      }
      if (a.command.equals("run") && (a.from == null || !a.from.equals(a.to))) {
        throw new IllegalArgumentException("run needs --ds YYYY-MM-DD");
      }
      if (a.command.equals("backfill")) {
        if (a.from == null || a.to == null) {
          throw new IllegalArgumentException("backfill needs --from and --to");
        }
        if (a.to.isBefore(a.from)) {
          throw new IllegalArgumentException("--to " + a.to + " is before --from " + a.from);
        }
      }
      if (a.command.equals("maintain") && a.dryRun) {
        throw new IllegalArgumentException("maintain has no --dry-run");
      }
      return a;
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }

    private static LocalDate date(String option, String value) {
      try {
        return LocalDate.parse(value);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(option + " must be a date YYYY-MM-DD, not '" + value + "'");
      }
    }
  }
}
