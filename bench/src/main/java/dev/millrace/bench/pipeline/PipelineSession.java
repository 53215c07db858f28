package dev.millrace.bench.pipeline;

import dev.millrace.localrun.DemoTally;
import dev.millrace.localrun.Launcher;
import dev.millrace.localrun.service.ServicePlans;
import dev.millrace.localrun.service.ServiceProcess;
import dev.millrace.localrun.watch.PipelineCounts;
import dev.millrace.localrun.watch.Prometheus;
import dev.millrace.producer.run.Delivery;
import dev.millrace.producer.run.LoadRun;
import dev.millrace.producer.send.EventSender;
import dev.millrace.producer.send.GrpcSender;
import dev.millrace.producer.send.RestSender;
import dev.millrace.producer.traffic.EventMix;
import dev.millrace.producer.traffic.TrafficGenerator;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.EventStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One run of the whole pipeline (started by the launcher) and what the bench does to it: warm it
 * up, measure its sustained maximum, drive it at steady rates with probes. Every event sent is
 * valid, so each must come out at both ends.
 */
final class PipelineSession implements AutoCloseable {

  /** Consumer groups whose lag the curve reports, each with the topic it reads. */
  static final Map<String, String> GROUPS = groups();

  private static Map<String, String> groups() {
    Map<String, String> g = new LinkedHashMap<>();
    g.put("millrace-enricher", WireNames.RAW_TOPIC);
    g.put("millrace-realtime-loader", WireNames.ENRICHED_TOPIC);
    g.put("millrace-batch-loader", WireNames.ENRICHED_TOPIC);
    return g;
  }

  /** The JIT compile time counter every service's actuator serves (Micrometer's JvmCompilationMetrics). */
  static final String JIT_METRIC = "jvm_compilation_time_ms_total";

  private final Launcher launcher;
  private final DemoTally tally = new DemoTally();
  private final List<EventSender> senders;
  private final TrafficGenerator generator =
      new TrafficGenerator(900, new EventMix(EventMix.DEFAULT_WEIGHTS, 0, 0), Clock.systemUTC());
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ProbeWatch probes;
  private final LagSampler lag;

  PipelineSession(Launcher launcher) throws java.io.IOException {
    this.launcher = launcher;
    this.senders = List.of(
        new RestSender(URI.create("http://127.0.0.1:" + launcher.ports().collectorHttp()), launcher.writeKey(),
            RestSender.Compression.GZIP, Duration.ofSeconds(30)),
        GrpcSender.connect("127.0.0.1:" + launcher.ports().collectorGrpc(), launcher.writeKey(),
            GrpcSender.Mode.BATCH, Duration.ofSeconds(30)));
    this.probes = new ProbeWatch(launcher.infra(), ServicePlans.BUCKET, launcher.service("batch-loader").log());
    this.lag = new LagSampler(launcher.infra().bootstrapServers(), GROUPS);
  }

  ProbeWatch probes() {
    return probes;
  }

  DemoTally tally() {
    return tally;
  }

  /** Sends {@code settings} worth of events; {@code probeEvery} > 0 makes every n-th request carry a probe. */
  Duration send(LoadRun.Settings settings, int probeEvery, List<String> probeIds) throws InterruptedException {
    AtomicLong requests = new AtomicLong();
    Consumer<Delivery> listener = delivery -> {
      tally.accept(delivery);
      long n = requests.incrementAndGet();
      if (delivery.failed() || probeEvery <= 0 || n % probeEvery != 0) return;
      for (EventResult r : delivery.result().getResultsList()) {
        if (r.getStatus() == EventStatus.EVENT_STATUS_ACCEPTED) {
          probes.probe(r.getEventId(), delivery.sentAt());
          probeIds.add(r.getEventId());
          return;
        }
      }
    };
    return new LoadRun(generator, senders, settings, listener).run();
  }

  /** Waits until everything accepted so far is searchable and on S3; false on timeout. */
  boolean drain(Duration timeout) throws InterruptedException {
    return launcher.awaitSettled(tally.accepted(), tally.distinctAccepted(), timeout);
  }

  /** Each service's JIT compile time so far, ms (-1 when its metrics do not answer). */
  Map<String, Double> compileMillis() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (ServiceProcess s : launcher.services()) {
      double ms = -1;
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.spec().prometheusUrl()))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) ms = Prometheus.sum(r.body(), JIT_METRIC);
      } catch (Exception e) {
        if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      }
      out.put(s.spec().name(), ms);
    }
    return out;
  }

  /**
   * Warm-up passes, each sending {@code eventsPerPass} as fast as the collector takes them and then
   * waiting for the pipeline to drain, until a pass (the second or later) during which every service's
   * compiler worked less than a tenth of the pass's wall time, or until {@code budget} is spent.
   * The services are JVMs of their own: their compile time comes from their actuator
   * ({@link #JIT_METRIC}), as {@code BenchContext.warmUp} reads this JVM's.
   *
   * @return a line for the note, e.g. "warm-up 6 passes, 84 s, JIT quiet"
   */
  String warmUp(int eventsPerPass, Duration minimum, Duration budget) throws InterruptedException {
    long began = System.nanoTime();
    for (int pass = 1; ; pass++) {
      Map<String, Double> before = compileMillis();
      long t0 = System.nanoTime();
      send(new LoadRun.Settings(0, eventsPerPass, null, 100, 8), 0, new ArrayList<>());
      boolean drained = drain(Duration.ofMinutes(3));
      long wallMillis = (System.nanoTime() - t0) / 1_000_000;
      Map<String, Double> after = compileMillis();
      List<String> busy = new ArrayList<>();
      boolean known = true;
      for (var e : after.entrySet()) {
        double b = before.getOrDefault(e.getKey(), -1.0);
        if (b < 0 || e.getValue() < 0) {
          known = false;
          continue;
        }
        double compiled = e.getValue() - b;
        if (compiled * 10 >= wallMillis) busy.add(String.format(Locale.ROOT, "%s %.0f ms", e.getKey(), compiled));
      }
      long elapsed = System.nanoTime() - began;
      boolean quiet = pass >= 2 && known && busy.isEmpty() && elapsed >= minimum.toNanos();
      System.err.printf(Locale.ROOT, "pipeline warm-up pass %d: %,d events in %d ms%s; compiling: %s%n", pass,
          eventsPerPass, wallMillis, drained ? "" : " (NOT drained)", busy.isEmpty() ? "none" : String.join(", ", busy));
      if (quiet || elapsed >= budget.toNanos()) {
        return String.format(Locale.ROOT, "warm-up %d passes of %,d events, %.0f s, %s", pass, eventsPerPass,
            elapsed / 1e9, quiet ? "JIT quiet in every service" : "budget spent (" + String.join(", ", busy) + ")");
      }
    }
  }

  /** The result of a saturated run. */
  record Sustained(double rate, long accepted, double sendSeconds, double settleSeconds, boolean settled,
                   List<String> probeIds, double collectorAcceptedPerSecond) {}

  /**
   * Keeps the pipeline saturated for {@code duration}: sends as fast as the collector answers while
   * fewer than {@code maxBacklog} accepted events are not yet searchable, so the
   * pipeline always has work but the backlog stays short enough to drain afterwards. The rate is
   * counted at the ends ({@link SustainedRate}) after the first quarter of the run.
   */
  Sustained sustained(Duration duration, long maxBacklog, int probeEvery) throws InterruptedException {
    List<SustainedRate.Sample> samples = new CopyOnWriteArrayList<>();
    List<String> probeIds = new CopyOnWriteArrayList<>();
    long accepted0 = tally.accepted();
    PipelineCounts c0 = launcher.watcher().counts();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long lastSample = start - 1_000_000_000L;
    long backlog = 0;
    double sendNanos = 0;
    while (System.nanoTime() < end) {
      long now = System.nanoTime();
      if (now - lastSample >= 1_000_000_000L) {
        PipelineCounts c = launcher.watcher().counts();
        long searchable = c.indexedEvents() - c0.indexedEvents();
        long onS3 = c.s3Rows() - c0.s3Rows();
        samples.add(new SustainedRate.Sample(now, searchable, onS3));
        // Searchable only: rows reach S3 in steps of a file rotation (5 s), and the batch loader is
        // not the slow end; the drain after the run waits for S3 too.
        backlog = (tally.accepted() - accepted0) - searchable;
        lastSample = now;
      }
      if (backlog < maxBacklog) {
        sendNanos += send(new LoadRun.Settings(0, 2_000, null, 100, 8), probeEvery, probeIds).toNanos();
        backlog += 2_000;
      } else {
        Thread.sleep(200);
      }
    }
    long accepted = tally.accepted() - accepted0;
    double rate = SustainedRate.of(samples, start + duration.toNanos() / 4);
    boolean settled = drain(Duration.ofMinutes(5));
    return new Sustained(rate, accepted, (end - start) / 1e9, (System.nanoTime() - start) / 1e9, settled,
        List.copyOf(probeIds), accepted / (sendNanos / 1e9));
  }

  /** What one step of the curve measured. */
  record StepResult(Pacing.Step step, double sentPerSecond, Percentiles searchable, Percentiles onS3, int probes,
                    int unresolved, Map<String, LagSampler.Lag> lag) {}

  /** Sends at the step's steady rate for its duration, then waits for its probes (at most {@code wait}). */
  StepResult step(Pacing.Step step, Duration wait) throws InterruptedException {
    List<String> ids = new CopyOnWriteArrayList<>();
    long accepted0 = tally.accepted();
    lag.reset();
    Duration took = send(new LoadRun.Settings(step.rate(), 0, step.duration(), step.batchSize(), 8),
        step.probeEvery(), ids);
    Map<String, LagSampler.Lag> lags = lag.window();
    double sent = (tally.accepted() - accepted0) / (took.toNanos() / 1e9);
    long deadline = System.nanoTime() + wait.toNanos();
    while (!probes.allSeen(ids) && System.nanoTime() < deadline) {
      Thread.sleep(250);
    }
    probes.allSeen(ids);
    List<Long> searchable = new ArrayList<>();
    List<Long> onS3 = new ArrayList<>();
    int unresolved = 0;
    for (String id : ids) {
      ProbeWatch.Probe p = probes.get(id);
      long s = p.searchableMillis();
      long o = p.onS3Millis();
      if (s >= 0) searchable.add(s);
      if (o >= 0) onS3.add(o);
      if (s < 0 || o < 0) unresolved++;
    }
    return new StepResult(step, sent, new Percentiles(searchable), new Percentiles(onS3), ids.size(), unresolved, lags);
  }

  @Override
  public void close() {
    lag.close();
    probes.close();
    senders.forEach(EventSender::close);
  }
}
