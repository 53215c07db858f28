package dev.millrace.localrun;

import dev.millrace.localrun.analytics.AnalyticsRun;
import dev.millrace.localrun.analytics.RunEndpoints;
import dev.millrace.localrun.analytics.SupersetRun;
import dev.millrace.localrun.down.PidFile;
import dev.millrace.localrun.service.ServicePorts;
import dev.millrace.localrun.service.ServicePlans;
import dev.millrace.localrun.service.ServiceProcess;
import dev.millrace.localrun.service.ServiceSpec;
import dev.millrace.localrun.stack.ServerEndpoints;
import dev.millrace.localrun.stack.BackingServers;
import dev.millrace.localrun.watch.PipelineCounts;
import dev.millrace.localrun.watch.PipelineWatcher;
import dev.millrace.proto.WireNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

/**
 * Starts the whole pipeline on this machine: the local stack (Kafka, Elasticsearch, S3) in this JVM's
 * child processes, then each service as its own {@code java -jar} process from its shipped exec jar,
 * configured only by environment variables; waits for every readiness check. {@link #close()} stops
 * them all and deletes what the run created except the logs. Used by {@code ./millrace up}, the
 * end-to-end test and the full-pipeline benchmark.
 */
public final class Launcher implements AutoCloseable {

  /**
   * @param repo the repository root, where {@code <module>/target/*-exec.jar} are
   * @param home the run's folder (logs, state, pid file), e.g. {@code .millrace}
   * @param ports how service ports are chosen
   * @param readyTimeout how long each service may take to become ready
   * @param batchRotation the batch loader's file rotation interval (short, so files show up quickly)
   * @param overrides per service name, environment variables added to its plan (e.g. by a test)
   * @param analytics whether PostgreSQL, Trino and Superset start too, and the batch loader partitions
   *     by {@code occurred_at} with short completeness delays for a demo history ({@code ./millrace up});
   *     OFF for library use (the end-to-end test, the benchmark)
   */
  public record Options(Path repo, Path home, ServicePorts.Choice ports, Duration readyTimeout, String batchRotation,
                        Map<String, Map<String, String>> overrides, Analytics analytics) {
    public Options {
      overrides = Map.copyOf(overrides);
    }

    public Options(Path repo, Path home, ServicePorts.Choice ports, Duration readyTimeout, String batchRotation,
                   Map<String, Map<String, String>> overrides) {
      this(repo, home, ports, readyTimeout, batchRotation, overrides, Analytics.OFF);
    }

    public Options(Path repo, Path home, ServicePorts.Choice ports, Duration readyTimeout, String batchRotation) {
      this(repo, home, ports, readyTimeout, batchRotation, Map.of());
    }

    public Options withAnalytics(Analytics analytics) {
      return new Options(repo, home, ports, readyTimeout, batchRotation, overrides, analytics);
    }

    public static Options defaults(Path repo) {
      return new Options(repo, repo.resolve(".millrace"), ServicePorts.Choice.DEFAULT, Duration.ofMinutes(3), "10s");
    }
  }

  /** Whether the analytics half (PostgreSQL, Trino, the curation job, Superset) runs beside the pipeline. */
  public enum Analytics { OFF, ON }

  private final Options options;
  private final ServicePorts ports;
  private final int supersetPort;
  private final String writeKey;
  private final List<ServiceProcess> services = Collections.synchronizedList(new ArrayList<>());
  private ServerEndpoints infra;
  private PipelineWatcher watcher;
  private volatile AnalyticsRun analytics;
  private String analyticsSkipped;
  private volatile SupersetRun superset;
  private String supersetSkipped;
  private volatile boolean closed;

  private Launcher(Options options, ServicePorts ports, int supersetPort, String writeKey) {
    this.options = options;
    this.ports = ports;
    this.supersetPort = supersetPort;
    this.writeKey = writeKey;
  }

  /** The version of the service jars, as built with this launcher. */
  public static String version() {
    Properties props = new Properties();
    try (InputStream in = Launcher.class.getResourceAsStream("/millrace-local-run.properties")) {
      props.load(in);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("millrace-local-run.properties is missing from the launcher jar", e);
    }
    return props.getProperty("version");
  }

  /** Starts everything; on any failure stops what was started and throws a LaunchException. */
  public static Launcher start(Options options, PrintStream out) {
    ServicePorts ports = ServicePorts.choose(options.ports());
    int supersetPort = options.analytics() == Analytics.ON ? ServicePorts.superset(options.ports()) : -1;
    for (ServiceSpec spec : ServicePlans.plan(new ServerEndpoints("", "", "", "", "", ""), ports, settings(options, "x"))) {
      // Before anything starts: a missing jar is the most common first-run mistake.
      Path jar = spec.jar(options.repo(), version());
      if (!Files.isRegularFile(jar)) {
        throw new LaunchException(jar + " is missing; build the services with `./mvnw -q -DskipTests package`.");
      }
    }
    Launcher launcher = new Launcher(options, ports, supersetPort, "wk_" + token());
    try {
      launcher.boot(out);
      return launcher;
    } catch (RuntimeException e) {
      launcher.close();
      throw e;
    }
  }

  private void boot(PrintStream out) {
    Path logs = options.home().resolve("logs");
    reapEarlierRun();
    prepare(logs);
    writePids(); // from the start, so `./millrace down` finds a launcher that is still starting the servers
    out.println("starting Kafka, Elasticsearch and S3 (local-stack) ...");
    long t0 = System.nanoTime();
    infra = BackingServers.start(3, ServicePlans.TOPICS, ServicePlans.BUCKET);
    out.printf(Locale.ROOT, "  ready in %.0f s: Kafka %s, Elasticsearch %s, S3 %s%n",
        (System.nanoTime() - t0) / 1e9, infra.bootstrapServers(), infra.elasticsearchUrl(), infra.s3Endpoint());
    boolean withAnalytics = options.analytics() == Analytics.ON;
    CompletableFuture<AnalyticsRun> analyticsStart = null;
    if (withAnalytics) {
      // Superset needs Python 3.11 (and PyPI, the first time): without it one line says so.
      supersetSkipped = SupersetRun.unavailable(options.repo(), Map.of()).orElse(null);
      if (supersetSkipped != null) {
        out.println("  Superset skipped (the pipeline and Trino still run): " + supersetSkipped);
      }
      // Beside the services: Trino takes about as long as they do.
      out.println("starting PostgreSQL and Trino (local-stack) for the curated tables ...");
      analyticsStart = CompletableFuture.supplyAsync(() -> AnalyticsRun.start(ServicePlans.BUCKET, "events"));
    }
    List<ServiceSpec> plan = ServicePlans.plan(infra, ports, settings(options, writeKey)).stream()
        .map(spec -> withAnalytics && spec.name().equals("batch-loader") ? spec.withEnv(ServicePlans.demoHistoryBatch()) : spec)
        .map(spec -> spec.withEnv(options.overrides().getOrDefault(spec.name(), Map.of()))).toList();
    out.println("starting " + String.join(", ", plan.stream().map(ServiceSpec::name).toList()) + " ...");
    t0 = System.nanoTime();
    for (ServiceSpec spec : plan) {
      launch(spec);
    }
    // Readiness in parallel: the services start at the same time and are waited for together.
    List<CompletableFuture<Void>> ready = services.stream()
        .map(s -> CompletableFuture.runAsync(() -> s.awaitReady(options.readyTimeout()))).toList();
    try {
      CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof LaunchException l ? l : new LaunchException(e.getCause().getMessage(), e);
    }
    out.printf(Locale.ROOT, "  all ready in %.0f s; logs in %s%n", (System.nanoTime() - t0) / 1e9, logs);
    if (analyticsStart != null) {
      try {
        analytics = analyticsStart.join();
        analytics.endpoints().write(options.home());
        out.println("  PostgreSQL and Trino ready: Trino " + analytics.endpoints().trinoUrl()
            + "; for the demo the batch loader partitions by occurred_at and marks an hour complete "
            + ServicePlans.DEMO_MARKER_GRACE + " of event time after its end (production: 10m), checked every 5 s");
        if (supersetSkipped == null) {
          try {
            startSuperset(out);
          } catch (RuntimeException e) {
            // Superset is never a reason to stop the pipeline.
            supersetSkipped = "could not start " + SupersetRun.script(options.repo()) + ": " + e.getMessage();
            out.println("  Superset skipped (the pipeline and Trino still run): " + supersetSkipped);
          }
        }
      } catch (CompletionException e) {
        // The pipeline runs without them: one line says what is missing.
        analyticsSkipped = e.getCause().getMessage();
        out.println("  analytics skipped (the pipeline still runs): " + analyticsSkipped);
        supersetSkipped = supersetSkipped == null ? "no Trino" : supersetSkipped;
      }
    }
    watcher = new PipelineWatcher(infra, topicRoles(), ServicePlans.BUCKET, plan.get(4).prometheusUrl());
  }

  /**
   * In the background: {@code analytics/bin/superset-serve} sets up a fresh Superset against this
   * run's Trino and serves it; the display shows its progress. The first run creates its
   * virtualenv (minutes), so nothing waits for it here.
   */
  private void startSuperset(PrintStream out) {
    SupersetRun.Login login = SupersetRun.Login.random();
    Path log = logs().resolve("superset.log");
    SupersetRun run = SupersetRun.start(options.repo(), options.home().resolve("state").resolve("superset"),
        analytics.endpoints().trinoUrl(), supersetPort, login, log);
    superset = run;
    BackingServers.adopt(PidFile.SUPERSET, run.handle());
    RunEndpoints.writeOwnerOnly(options.home().resolve(SupersetRun.FILE), run.loginFileText());
    writePids();
    out.println("  Superset starting in the background on " + run.url() + " (the first run creates its Python"
        + " environment: a few minutes); log " + log);
  }

  private ServiceProcess launch(ServiceSpec spec) {
    ServiceProcess process = ServiceProcess.start(spec, spec.jar(options.repo(), version()), logs(), List.of());
    // Ends with the local stack if this JVM is killed hard, instead of running on without its broker.
    BackingServers.adopt(spec.name(), process.handle());
    synchronized (services) {
      services.removeIf(s -> s.spec().name().equals(spec.name()));
      services.add(process);
    }
    writePids();
    return process;
  }

  /** SIGKILL of one service, as a crash or the OOM killer would end it (for fault tests). */
  public void kill(String name) {
    service(name).kill();
  }

  /** Graceful stop of one service: SIGTERM, SIGKILL after 20 s. */
  public void stop(String name) {
    service(name).stop(Duration.ofSeconds(20));
  }

  /**
   * Starts a service again, as an orchestrator restarts a crashed pod: stops it first if it is
   * still running, adds {@code overrides} to its environment (they stay for later restarts) and
   * waits until it is ready.
   */
  public ServiceProcess restart(String name, Map<String, String> overrides) {
    ServiceProcess old = service(name);
    if (old.isAlive()) {
      old.stop(Duration.ofSeconds(20));
    }
    ServiceProcess fresh = launch(old.spec().withEnv(overrides));
    fresh.awaitReady(options.readyTimeout());
    return fresh;
  }

  private static ServicePlans.Settings settings(Options options, String writeKey) {
    // The PII key is an HMAC secret: 32 random bytes, as hex (64 characters).
    return new ServicePlans.Settings(writeKey, token() + token(), options.home().resolve("state"),
        options.batchRotation());
  }

  public static Map<String, String> topicRoles() {
    Map<String, String> roles = new LinkedHashMap<>();
    roles.put("raw", WireNames.RAW_TOPIC);
    roles.put("collector-dl", WireNames.COLLECTOR_DEAD_LETTER_TOPIC);
    roles.put("enriched", WireNames.ENRICHED_TOPIC);
    roles.put("enricher-dl", WireNames.ENRICHER_DEAD_LETTER_TOPIC);
    roles.put("batch-dl", ServicePlans.TOPICS.get(4));
    return roles;
  }

  public ServerEndpoints infra() { return infra; }
  public ServicePorts ports() { return ports; }
  public String writeKey() { return writeKey; }
  public PipelineWatcher watcher() { return watcher; }
  /** The analytics half, empty when it is off or did not start ({@link #analyticsSkipped()} says why). */
  public java.util.Optional<AnalyticsRun> analytics() { return java.util.Optional.ofNullable(analytics); }
  public java.util.Optional<String> analyticsSkipped() { return java.util.Optional.ofNullable(analyticsSkipped); }
  /** Superset, empty when analytics are off or it was skipped ({@link #supersetSkipped()} says why). */
  public java.util.Optional<SupersetRun> superset() { return java.util.Optional.ofNullable(superset); }
  public java.util.Optional<String> supersetSkipped() { return java.util.Optional.ofNullable(supersetSkipped); }
  public Path home() { return options.home(); }
  public Path repo() { return options.repo(); }
  public List<ServiceProcess> services() { return List.copyOf(services); }
  public Path logs() { return options.home().resolve("logs"); }

  /** The service of that name (e.g. "collector"). */
  public ServiceProcess service(String name) {
    return services.stream().filter(s -> s.spec().name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no service " + name));
  }

  /** Throws a LaunchException naming the first service that died, with its log. */
  public void checkAlive() {
    if (closed) {
      return; // stopping: services going away is expected
    }
    for (ServiceProcess s : services()) {
      if (!s.isAlive()) {
        throw new LaunchException(s.spec().name() + " stopped unexpectedly.\nIts log: " + s.log() + "\nLast lines:\n"
            + String.join("\n", ServiceProcess.tail(s.log(), 20)));
      }
    }
  }

  /**
   * Waits until the pipeline has caught up with what the collector answered: the raw topic holds
   * {@code accepted} records, each is enriched or dead-lettered, Elasticsearch holds at least
   * {@code expectedDocuments} (one per distinct accepted id plus one per refused event), and the batch
   * loader has written every enriched record and uploaded every file. Returns false on timeout; throws if a service died.
   */
  public boolean awaitSettled(long accepted, long expectedDocuments, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      checkAlive();
      PipelineCounts c = watcher.counts();
      boolean kafkaDone = c.raw() >= accepted && c.enriched() + c.enricherDeadLetters() >= c.raw();
      boolean searchable = c.indexedEvents() + c.indexedDeadLetters() >= expectedDocuments;
      boolean onS3 = c.s3Rows() < 0 ? c.s3Objects() > 0 : c.s3Rows() >= c.enriched() && c.s3FilesNotUploaded() == 0;
      if (kafkaDone && searchable && onS3) {
        return true;
      }
      Thread.sleep(500);
    }
    return false;
  }

  /** Stops the services (last started first), then the local stack; deletes state and the pid file. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    if (watcher != null) watcher.close();
    if (analytics != null) analytics.close();
    List<ServiceProcess> reverse = new ArrayList<>(services);
    Collections.reverse(reverse);
    // In parallel: each gets its grace period at the same time, so Ctrl-C returns within seconds.
    List<CompletableFuture<Void>> stopping = new ArrayList<>(reverse.stream()
        .map(s -> CompletableFuture.runAsync(() -> s.stop(Duration.ofSeconds(20)))).toList());
    SupersetRun s = superset;
    if (s != null) stopping.add(CompletableFuture.runAsync(s::close));
    stopping.forEach(CompletableFuture::join);
    BackingServers.stop();
    deleteTree(options.home().resolve("state"));
    try {
      Files.deleteIfExists(pidFile());
      Files.deleteIfExists(options.home().resolve(RunEndpoints.FILE));
      Files.deleteIfExists(options.home().resolve(SupersetRun.FILE));
    } catch (IOException ignored) {
      // A stale pid file is checked against live processes on the next run.
    }
  }

  private Path pidFile() {
    return options.home().resolve("pids");
  }

  private void writePids() {
    StringBuilder text = new StringBuilder("launcher " + ProcessHandle.current().pid() + "\n");
    services().forEach(s -> text.append(s.spec().name()).append(' ').append(s.pid()).append('\n'));
    SupersetRun s = superset;
    if (s != null) text.append(PidFile.SUPERSET).append(' ').append(s.pid()).append('\n');
    try {
      Files.writeString(pidFile(), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A launcher killed hard (kill -9) leaves its services running: end them, or refuse if it is alive. */
  private void reapEarlierRun() {
    Path file = pidFile();
    if (!Files.isRegularFile(file)) return;
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      return;
    }
    for (String line : lines) {
      String[] parts = line.split(" ");
      if (parts.length != 2) continue;
      long pid = Long.parseLong(parts[1]);
      var handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
      if (handle.isEmpty() || pid == ProcessHandle.current().pid()) continue;
      String command = handle.get().info().commandLine().orElse("");
      if (parts[0].equals("launcher") && command.contains("millrace")) {
        throw new LaunchException("another `./millrace up` is running (pid " + pid + "); stop it with Ctrl-C there or `./millrace down`, or give this run its own folder and ports.");
      }
      if (!parts[0].equals("launcher") && PidFile.isOurs(parts[0], command)) {
        handle.get().descendants().forEach(ProcessHandle::destroyForcibly);
        handle.get().destroyForcibly();
      }
    }
  }

  private void prepare(Path logs) {
    try {
      Files.createDirectories(logs);
      deleteTree(options.home().resolve("state"));
      try (Stream<Path> old = Files.list(logs)) {
        for (Path log : old.filter(p -> p.toString().endsWith(".log")).toList()) {
          Files.delete(log); // each run starts with fresh logs
        }
      }
    } catch (IOException e) {
      throw new LaunchException("cannot prepare " + options.home() + ": " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) return;
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // Best effort: the next run deletes it again before starting.
    }
  }

  private static String token() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
