package dev.millrace.curation.bench;

import dev.millrace.curation.CurationMain;
import dev.millrace.curation.config.CurationConfig;
import dev.millrace.curation.fixture.LakeFixture;
import dev.millrace.curation.fixture.TestEvent;
import dev.millrace.curation.input.InputPlan;
import dev.millrace.curation.input.LakeInput;
import dev.millrace.curation.run.CurationJob;
import dev.millrace.curation.run.RunOptions;
import dev.millrace.curation.run.RunResult;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.iceberg.io.FileIO;
import org.apache.spark.sql.SparkSession;

/**
 * The curation job's throughput on one generated day, beside a baseline measured in the same run:
 * Spark reading the same Parquet files and appending them to an Iceberg table with no logic. Both
 * run on local files (a Hadoop catalog), so the ratio is the job's own work, not the store's.
 *
 * <p>Each side runs a warm-up pass and then the measured passes, alternating; a row is the median.
 * The heap figure is the peak of the heap pools during the measured passes of that side.
 *
 * <pre>{@code ./mvnw -B -q -pl curation -am install -DskipTests && ./mvnw -B -q -pl curation exec:exec@bench}</pre>
 * Arguments: {@code --events N} (default 1,000,000), {@code --passes N} (default 3).
 */
public final class CurationBench {

  private static final LocalDate DS = LocalDate.parse("2026-11-30");

  private CurationBench() {}

  public static void main(String[] args) throws Exception {
    int events = 1_000_000;
    int passes = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--events" -> events = Integer.parseInt(args[++i]);
        case "--passes" -> passes = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; use --events N --passes N");
      }
    }
    Path dir = Files.createTempDirectory("curation-bench");
    String lakeUri = Files.createDirectories(dir.resolve("lake")).toUri().toString().replaceAll("/$", "");
    Map<String, String> settings = new HashMap<>();
    String p = CurationConfig.PREFIX;
    settings.put(p + "catalog.type", "hadoop");
    settings.put(p + "catalog.warehouse", dir.resolve("warehouse").toUri().toString());
    settings.put(p + "input.bucket", lakeUri);
    settings.put(p + "spark-master", "local[2]");
    settings.put("spark.sql.shuffle.partitions", "4");
    CurationConfig config = CurationConfig.of(settings);

    long t0 = System.nanoTime();
    List<String> files = generate(config, lakeUri, dir.resolve("spill"), events);
    System.err.printf(Locale.ROOT, "generated %,d events in %d files in %.1f s%n", events, files.size(),
        (System.nanoTime() - t0) / 1e9);

    SparkSession spark = CurationMain.session(config);
    try (FileIO io = config.fileIO()) {
      LakeInput lake = new LakeInput(io, config.inputBucket(), config.inputPrefix());
      InputPlan plan = lake.plan(DS);
      String[] paths = plan.files().toArray(String[]::new);
      String baselineTable = config.catalogName() + ".bench.baseline";
      spark.sql("CREATE NAMESPACE IF NOT EXISTS " + config.catalogName() + ".bench");
      Runnable baseline = () -> spark.read().parquet(paths).writeTo(baselineTable).using("iceberg").createOrReplace();
      CurationJob job = new CurationJob(spark, config, lake, Clock.systemUTC());
      long[] inputRows = new long[1];
      Runnable curation = () -> {
        RunResult r = job.run(DS, RunOptions.all());
        inputRows[0] = r.inputRows();
      };

      time("warm-up baseline", baseline);
      time("warm-up curation", curation);
      List<Double> baselineSeconds = new ArrayList<>();
      List<Double> curationSeconds = new ArrayList<>();
      long baselineHeap = 0;
      long curationHeap = 0;
      for (int pass = 1; pass <= passes; pass++) {
        resetPeaks();
        baselineSeconds.add(time("baseline pass " + pass, baseline));
        baselineHeap = Math.max(baselineHeap, peakHeap());
        resetPeaks();
        curationSeconds.add(time("curation pass " + pass, curation));
        curationHeap = Math.max(curationHeap, peakHeap());
      }
      double base = events / median(baselineSeconds);
      double cur = inputRows[0] / median(curationSeconds);
      System.out.printf(Locale.ROOT, "%-58s %12s %8s %10s%n", "row", "events/s", "ratio", "peak heap");
      System.out.printf(Locale.ROOT, "%-58s %,12.0f %8s %7d MB%n",
          "baseline: Spark Parquet -> Iceberg append, no logic", base, "1.00x", baselineHeap >> 20);
      System.out.printf(Locale.ROOT, "%-58s %,12.0f %7.2fx %7d MB%n",
          "curation: one day, all five tables, checks, publish", cur, cur / base, curationHeap >> 20);
      System.out.printf(Locale.ROOT, "(%,d events, %d files; medians of %d passes: baseline %s s, curation %s s;"
          + " max heap %d MB, %d cores)%n", events, paths.length, passes, baselineSeconds, curationSeconds,
          Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());
    } finally {
      spark.stop();
    }
  }

  /**
   * A day of a shop: 1 in 20 visitors buys, 1 in 100 events is resent (a duplicate), 1 in 50
   * visitors is a bot; written by the batch loader's own writer, one chunk per hour.
   */
  private static List<String> generate(CurationConfig config, String lakeUri, Path spill, int events)
      throws Exception {
    Files.createDirectories(spill);
    List<String> keys = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(42);
    int visitors = Math.max(1, events / 20);
    try (FileIO io = config.fileIO()) {
      LakeFixture lake = new LakeFixture(io, lakeUri, config.inputPrefix(), spill);
      int id = 0;
      for (int hour = 0; hour < 24; hour++) {
        int inHour = events / 24 + (hour < events % 24 ? 1 : 0);
        List<TestEvent> chunk = new ArrayList<>(inHour);
        Instant start = DS.atStartOfDay(java.time.ZoneOffset.UTC).toInstant().plusSeconds(hour * 3600L);
        for (int i = 0; i < inHour; i++) {
          int visitor = random.nextInt(visitors);
          double kind = random.nextDouble();
          String type = kind < 0.05 ? "purchase" : kind < 0.2 ? "add_to_cart" : "page_view";
          Instant at = start.plusMillis(random.nextLong(3_600_000L));
          boolean resend = id > 0 && random.nextInt(100) == 0;
          String eventId = String.format("00000000-0000-4000-8000-%012d", resend ? random.nextInt(id) : id++);
          TestEvent e = TestEvent.of(eventId, type, at.minusSeconds(1), "v" + visitor).receivedAt(at);
          if (visitor % 50 == 0) {
            e = e.asBot();
          }
          if (type.equals("purchase")) {
            e = e.user("u" + visitor);
          }
          if (visitor % 7 == 0) {
            e = e.campaign("winter");
          }
          chunk.add(e);
        }
        keys.addAll(lake.write(chunk));
      }
      lake.markDays(DS, DS);
    }
    return keys;
  }

  private static double time(String what, Runnable pass) {
    long start = System.nanoTime();
    pass.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.err.printf(Locale.ROOT, "%s: %.1f s%n", what, seconds);
    return Math.round(seconds * 10) / 10.0;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private static void resetPeaks() {
    System.gc();
    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  private static long peakHeap() {
    return ManagementFactory.getMemoryPoolMXBeans().stream().filter(m -> m.getType() == MemoryType.HEAP)
        .mapToLong(m -> m.getPeakUsage().getUsed()).sum();
  }
}
