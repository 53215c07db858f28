package dev.millrace.bench.pipeline;

import dev.millrace.bench.Baselines;
import dev.millrace.bench.BenchContext;
import dev.millrace.bench.Benchmark;
import dev.millrace.bench.Result;
import dev.millrace.localrun.DemoTally;
import dev.millrace.localrun.LaunchException;
import dev.millrace.localrun.Launcher;
import dev.millrace.localrun.service.ServicePorts;
import dev.millrace.localrun.watch.SearchableWatch;
import dev.millrace.producer.run.LoadRun;
import dev.millrace.producer.send.EventSender;
import dev.millrace.producer.send.GrpcSender;
import dev.millrace.producer.send.RestSender;
import dev.millrace.producer.traffic.EventMix;
import dev.millrace.producer.traffic.TrafficGenerator;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.EventStatus;
import java.io.PrintStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The whole pipeline on this box: the five services as processes (the launcher of {@code ./millrace up}),
 * fed as fast as they take it over REST and gRPC; events/s from the first send until every event is
 * searchable in Elasticsearch and every enriched record is on S3, and the event-to-searchable latency.
 * Needs the services' exec jars (built by {@code ./mvnw -DskipTests package}); run from the repo root
 * or pass {@code -Dmillrace.repo=DIR}.
 */
public final class PipelineBenchmark implements Benchmark {

  static final String ROW = "pipeline: collector -> enriched -> ES + S3";

  @Override
  public int order() {
    return 900;
  }

  @Override
  public String name() {
    return "pipeline";
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
    try {
      return List.of(measure(context, launcher));
    } finally {
      launcher.close();
      deleteTree(home); // the service logs of a benchmark run are not kept
    }
  }

  private static Result measure(BenchContext context, Launcher launcher) throws Exception {
    int events = context.scaled(30_000);
    Map<String, Instant> sentAt = new ConcurrentHashMap<>();
    DemoTally tally = new DemoTally();
    List<EventSender> senders = List.of(
        new RestSender(URI.create("http://127.0.0.1:" + launcher.ports().collectorHttp()), launcher.writeKey(),
            RestSender.Compression.GZIP, Duration.ofSeconds(30)),
        GrpcSender.connect("127.0.0.1:" + launcher.ports().collectorGrpc(), launcher.writeKey(),
            GrpcSender.Mode.BATCH, Duration.ofSeconds(30)));
    // Valid events only: every one must come out at both ends, so the rate is the pipeline's.
    LoadRun run = new LoadRun(new TrafficGenerator(900, new EventMix(EventMix.DEFAULT_WEIGHTS, 0, 0), Clock.systemUTC()),
        senders, new LoadRun.Settings(0, events, null, 100, 8), delivery -> {
          tally.accept(delivery);
          if (!delivery.failed()) {
            for (EventResult r : delivery.result().getResultsList()) {
              if (r.getStatus() == EventStatus.EVENT_STATUS_ACCEPTED) {
                sentAt.putIfAbsent(r.getEventId(), delivery.sentAt());
              }
            }
          }
        });
    long start = System.nanoTime();
    try (SearchableWatch searchable = new SearchableWatch(launcher.infra().elasticsearchUrl())) {
      Duration sending = run.run();
      boolean settled = launcher.awaitSettled(tally.accepted(), tally.distinctAccepted(), Duration.ofMinutes(10));
      double seconds = (System.nanoTime() - start) / 1e9;
      List<Long> latencies = new ArrayList<>();
      sentAt.forEach((id, sent) -> {
        Instant seen = searchable.firstSeen(id);
        if (seen != null) latencies.add(Duration.between(sent, seen).toMillis());
      });
      latencies.sort(null);
      var counts = launcher.watcher().counts();
      String note = String.format(Locale.ROOT,
          "%,d events (REST+gRPC, batches of 100, 8 in flight); collector took them in %.1f s at p99 %.0f ms/request;"
              + " %,d searchable, %,d rows on S3%s", events, sending.toNanos() / 1e9, run.stats().latencyMillis(99),
          counts.indexedEvents(), counts.s3Rows(), settled ? "" : "; NOT SETTLED within 10 min");
      return Result.throughput(ROW, tally.accepted(), "events", seconds, 0)
          .withLatency(percentile(latencies, 50), percentile(latencies, 99))
          .comparedTo(Baselines.KAFKA_PRODUCER)
          .withNote(note);
    } finally {
      senders.forEach(EventSender::close);
    }
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static double percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) return Double.NaN;
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}
