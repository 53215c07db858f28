package dev.millrace.bench.pipeline;

import dev.millrace.bench.BenchContext;
import dev.millrace.bench.Benchmark;
import dev.millrace.bench.Result;
import dev.millrace.localrun.LaunchException;
import dev.millrace.localrun.Launcher;
import dev.millrace.localrun.service.ServicePorts;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The whole pipeline on this box: the five services as processes (the launcher of {@code ./millrace up}),
 * warmed up until every service's JIT is quiet, then kept saturated for a sustained run; its rate is
 * what reaches both ends (searchable in Elasticsearch and rows on S3), printed next to the harmonic
 * composition of the stage rows of the same run ({@link Composition}). With {@code --only pipeline-curve}
 * the same warm pipeline is then driven at steady fractions of that rate ({@link Pacing}) for the
 * rate/freshness curve ({@link CurveReport}).
 * Needs the services' exec jars (built by {@code ./mvnw -DskipTests package}); run from the repo root
 * or pass {@code -Dmillrace.repo=DIR}.
 */
public final class PipelineBenchmark implements Benchmark {

  static final String ROW = "pipeline: collector -> enriched -> ES + S3";
  static final String COMPOSITION_ROW = "pipeline: harmonic composition of the stages";
  /** The optional section: {@code --only pipeline-curve}. */
  public static final String CURVE = "pipeline-curve";
  /** Fractions of the measured maximum the curve drives the pipeline at. */
  static final List<Double> FRACTIONS = List.of(0.10, 0.25, 0.50, 0.75, 1.00);
  /** Seconds per curve step at scale 1. */
  static final double STEP_SECONDS = 25;

  @Override
  public int order() {
    return 900;
  }

  @Override
  public String name() {
    return "pipeline";
  }

  @Override
  public boolean selectedBy(Set<String> only) {
    return only.contains(name()) || only.contains(CURVE);
  }

  @Override
  public List<Result> run(BenchContext context) throws Exception {
    Path repo = Path.of(System.getProperty("millrace.repo", ".")).toAbsolutePath().normalize();
    Path home = Files.createTempDirectory("millrace-bench-pipeline");
    Launcher launcher;
    try {
      launcher = Launcher.start(new Launcher.Options(repo, home, ServicePorts.Choice.FREE, Duration.ofMinutes(4), "5s"),
          new PrintStream(OutputStream.nullOutputStream()));
    } catch (LaunchException e) {
      System.err.println("pipeline benchmark skipped: " + e.getMessage());
      deleteTree(home);
      return List.of();
    }
    try (PipelineSession session = new PipelineSession(launcher)) {
      return measure(context, session);
    } finally {
      launcher.close();
      deleteTree(home); // the service logs of a benchmark run are not kept
    }
  }

  private static List<Result> measure(BenchContext context, PipelineSession session) throws Exception {
    double size = Math.max(0.25, Math.min(1.0, context.scale()));
    System.err.println("pipeline: warming up ...");
    String warm = session.warmUp(context.scaled(20_000), Duration.ofSeconds(Math.round(60 * size)),
        Duration.ofSeconds(Math.round(240 * size)));
    Duration runFor = Duration.ofSeconds(Math.max(30, Math.round(90 * context.scale())));
    System.err.printf(Locale.ROOT, "pipeline: %s; sustained run of %d s ...%n", warm, runFor.toSeconds());
    PipelineSession.Sustained s = session.sustained(runFor, Math.max(3_000, context.scaled(20_000)), 10);
    List<Long> latencies = new ArrayList<>();
    for (String id : s.probeIds()) {
      long ms = session.probes().get(id).searchableMillis();
      if (ms >= 0) latencies.add(ms);
    }
    Percentiles searchable = new Percentiles(latencies);

    List<Result> rows = new ArrayList<>();
    Composition.Composed composed = Composition.of(context::result);
    if (!composed.rows().isEmpty()) {
      rows.add(Result.throughput(COMPOSITION_ROW, Math.round(composed.rate() * 1000), "events", 1000, 0)
          .withNote("1/sum(1/rate) of " + composed.rows().size() + " stage rows of this run"
              + (composed.missing().isEmpty() ? "" : "; not run: " + String.join(", ", composed.missing()))));
    }
    double ratio = s.rate() / composed.rate();
    String note = String.format(Locale.ROOT,
        "%s%s; saturated %.0f s (collector took %,d events at %.0f/s, backlog capped), rate at both ends after the"
            + " first quarter; all searchable and on S3 %.0f s after the first send%s; p50/p99 = event-to-searchable"
            + " of %d probes at saturation; %s", Targets.rateNote(ratio),
        composed.rows().isEmpty() ? " (no stage row ran: --only collector,enricher,realtime,batch-loader,pipeline)" : "", s.sendSeconds(), s.accepted(),
        s.collectorAcceptedPerSecond(), s.settleSeconds(), s.settled() ? "" : " (NOT SETTLED)",
        searchable.count(), warm);
    rows.add(Result.throughput(ROW, Math.round(s.rate() * 1000), "events", 1000, 0)
        .withLatency(searchable.at(50), searchable.at(99))
        .comparedTo(COMPOSITION_ROW)
        .withNote(note));
    if (context.selected(CURVE)) {
      if (s.rate() > 0) {
        curve(context, session, s.rate());
      } else {
        System.err.println("pipeline curve skipped: no sustained rate was measured (" + s.rate() + ")");
      }
    }
    return rows;
  }

  private static void curve(BenchContext context, PipelineSession session, double maxRate) throws Exception {
    List<CurveReport.Row> rows = new ArrayList<>();
    List<String> groups = List.copyOf(PipelineSession.GROUPS.keySet());
    for (Pacing.Step step : Pacing.steps(maxRate, FRACTIONS, STEP_SECONDS, context.scale())) {
      System.err.printf(Locale.ROOT, "pipeline curve: %s, %.0f events/s for %d s (batches of %d) ...%n", step.label(),
          step.rate(), step.duration().toSeconds(), step.batchSize());
      PipelineSession.StepResult r = session.step(step, Duration.ofSeconds(90));
      Map<String, Long> lagMax = new LinkedHashMap<>();
      r.lag().forEach((g, l) -> lagMax.put(g, l.max()));
      rows.add(new CurveReport.Row(step.label(), step.rate(), r.sentPerSecond(), r.probes(), r.unresolved(),
          r.searchable().at(50), r.searchable().at(99), r.onS3().at(50), r.onS3().at(99), lagMax));
      System.err.print(CurveReport.table(rows, maxRate, groups));
    }
    Path png = CurveReport.write(context.out(), rows, maxRate, groups);
    context.addSection(CurveReport.table(rows, maxRate, groups) + "plot: " + png + " (table and CSV beside it)\n");
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
