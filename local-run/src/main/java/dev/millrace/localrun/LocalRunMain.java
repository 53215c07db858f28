package dev.millrace.localrun;

import dev.millrace.localrun.analytics.AnalyticsRun;
import dev.millrace.localrun.analytics.CurateMain;
import dev.millrace.localrun.analytics.CurationJob;
import dev.millrace.localrun.analytics.MarkedDays;
import dev.millrace.localrun.analytics.RunEndpoints;
import dev.millrace.localrun.analytics.SupersetRun;
import dev.millrace.localrun.down.DownMain;
import dev.millrace.localrun.service.ServicePorts;
import dev.millrace.localrun.stack.ServerEndpoints;
import dev.millrace.localrun.watch.ProgressDisplay;
import dev.millrace.producer.run.LoadRun;
import dev.millrace.producer.send.EventSender;
import dev.millrace.producer.send.GrpcSender;
import dev.millrace.producer.send.RestSender;
import dev.millrace.producer.traffic.EventMix;
import dev.millrace.producer.traffic.HistoryClock;
import dev.millrace.producer.traffic.TrafficGenerator;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.SortedSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./millrace up}: the whole pipeline on this machine, a demo over REST and gRPC, live progress. */
@Command(name = "millrace up", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Runs Kafka, Elasticsearch, S3 and the five Millrace services on this machine, sends demo"
        + " traffic over REST and gRPC and shows each stage's progress; unless --no-analytics, also PostgreSQL,"
        + " Trino and Superset with the dashboards, and curates the demo's past days into Iceberg tables."
        + " Ctrl-C (or ./millrace down) stops everything.")
public final class LocalRunMain implements Callable<Integer> {

  @Option(names = "--exit-when-done", description = "Stop everything and exit once the demo's events are in Elasticsearch and S3.")
  boolean exitWhenDone;

  @Option(names = "--events", paramLabel = "N", defaultValue = "3000", description = "Demo events to send (default: ${DEFAULT-VALUE}; 0 for none).")
  int events;

  @Option(names = "--rate", paramLabel = "EVENTS/S", defaultValue = "500", description = "Demo send rate (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--ports", paramLabel = "default|free", defaultValue = "default",
      description = "Service ports: the documented defaults (8080, 9090, 8081-8084, 9091), or any free ones (default: ${DEFAULT-VALUE}).")
  ServicePorts.Choice ports;

  @Option(names = "--no-analytics",
      description = "Run the pipeline only: no PostgreSQL, Trino, curation or Superset (the batch loader then partitions by received_at).")
  boolean noAnalytics;

  @Option(names = "--history-days", paramLabel = "N", defaultValue = "3",
      description = "With analytics: the demo's occurred_at spreads from midnight UTC N days ago to now, and the"
          + " curation job runs for each of those N whole days once the batch loader marks them (default: ${DEFAULT-VALUE};"
          + " 0: events happen now and nothing is curated).")
  int historyDays;

  @Option(names = "--repo", paramLabel = "DIR", defaultValue = ".", description = "Repository root with the built jars (default: current folder).")
  Path repo;

  @Option(names = "--home", paramLabel = "DIR", description = "Folder for logs and state (default: <repo>/.millrace).")
  Path home;

  private final PrintStream out = System.out;

  /** Held so the level sticks: java.util.logging keeps loggers only weakly. */
  private static final java.util.logging.Logger LOCAL_STACK_LOG = java.util.logging.Logger.getLogger("dev.millrace.localstack");

  public static void main(String[] args) {
    // The servers' start-up chatter would scroll the progress display away; failures still show.
    LOCAL_STACK_LOG.setLevel(java.util.logging.Level.WARNING);
    if (args.length > 0 && args[0].equals("down")) {
      // `./millrace down` runs the same jar: the pid file format lives in one place.
      System.exit(new CommandLine(new DownMain()).execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0 && args[0].equals("curate")) {
      CommandLine curate = new CommandLine(new CurateMain());
      curate.setParameterExceptionHandler((e, a) -> {
        e.getCommandLine().getErr().println("millrace curate: " + e.getMessage());
        return 2;
      });
      System.exit(curate.execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    CommandLine cli = new CommandLine(new LocalRunMain());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler((e, a) -> {
      e.getCommandLine().getErr().println("millrace: " + e.getMessage());
      return 2;
    });
    cli.setExecutionExceptionHandler((e, c, r) -> {
      // A LaunchException says what to do; anything else is a bug and keeps its stack trace.
      if (e instanceof LaunchException) {
        c.getErr().println("\nmillrace: " + e.getMessage());
        return 1;
      }
      throw e;
    });
    System.exit(cli.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path root = repo.toAbsolutePath().normalize();
    Launcher.Options options = new Launcher.Options(root, home == null ? root.resolve(".millrace") : home.toAbsolutePath(),
        ports, Duration.ofMinutes(3), "10s").withAnalytics(noAnalytics ? Launcher.Analytics.OFF : Launcher.Analytics.ON);
    if (historyDays < 0 || historyDays > 29) {
      throw new LaunchException("--history-days must be from 0 to 29, was " + historyDays);
    }
    AtomicReference<Launcher> running = new AtomicReference<>();
    ProgressDisplay display = new ProgressDisplay(out, System.console() != null);
    Thread hook = new Thread(() -> {
      display.release();
      Launcher launcher = running.get();
      if (launcher != null) {
        out.println("\nstopping every service and server ...");
        launcher.close();
        out.println("stopped; logs kept in " + launcher.logs());
      }
    }, "millrace-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    Launcher launcher = Launcher.start(options, out);
    running.set(launcher);

    DemoTally tally = new DemoTally();
    AtomicReference<LoadRun> demo = new AtomicReference<>();
    AnalyticsRun analytics = launcher.analytics().orElse(null);
    int history = analytics != null && events > 0 ? historyDays : 0;
    HistoryClock historyClock = history > 0 ? new HistoryClock(history, events, Clock.systemUTC()) : null;
    if (historyClock != null) {
      SortedSet<LocalDate> days = MarkedDays.demoDays(LocalDate.now(ZoneOffset.UTC), history);
      out.printf(Locale.ROOT, "demo history: occurred_at rises from %s to now over the %,d events (--history-days %d)%n",
          historyClock.start(), events, history);
      List<String> missing = CurationJob.missing(root, Launcher.version());
      if (missing.isEmpty()) {
        out.printf("  the curation job runs for %s to %s, each once its 24 hours are marked; logs: %s%n", days.first(),
            days.last(), launcher.logs().resolve("curation-<ds>.log"));
        analytics.curateWhenMarked(days, root, Launcher.version(), launcher.logs());
      } else {
        out.println("  curation skipped: missing " + String.join(", ", missing));
        analytics = null;
      }
    }
    AnalyticsRun curating = historyClock == null ? null : analytics;
    Thread progress = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        display.show(lines(launcher, demo.get(), tally, curating));
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "millrace-progress");
    progress.setDaemon(true);
    out.println();
    progress.start();

    boolean settled = true;
    Duration sending = Duration.ZERO;
    if (events > 0) {
      sending = runDemo(launcher, tally, demo, historyClock);
      settled = launcher.awaitSettled(tally.accepted(), tally.distinctAccepted() + tally.rejected(), Duration.ofMinutes(3));
    }
    boolean curated = true;
    if (curating != null) {
      curated = curating.awaitCuration(Duration.ofMinutes(15));
    }
    progress.interrupt();
    progress.join();
    display.show(lines(launcher, demo.get(), tally, curating));
    display.release();
    if (demo.get() != null) {
      out.println("\nThe demo producer (what the collector answered):");
      demo.get().stats().print(out, sending);
    }
    if (!settled) {
      out.println("\nThe pipeline had not caught up with the demo after 3 minutes; the logs may say why: " + launcher.logs());
    }
    if (!curated) {
      out.println("\nThe curation of the demo days had not finished after 15 minutes; see " + launcher.logs() + "/curation-*.log");
    }
    SupersetRun superset = launcher.superset().orElse(null);
    if (superset != null && exitWhenDone) {
      // Only the summary waits (the pipeline has run all along): it then shows the dashboards as they are.
      superset.awaitStarted(Duration.ofMinutes(10));
    }
    printSummary(launcher);
    if (exitWhenDone) {
      return 0; // the shutdown hook stops everything
    }
    out.println("\nRunning until Ctrl-C.");
    if (superset != null && superset.state().phase() == SupersetRun.Phase.STARTING) {
      Thread announce = new Thread(() -> {
        try {
          superset.awaitStarted(Duration.ofHours(1));
          out.println();
          out.println(String.join("\n", SupersetRun.summaryLines(superset.state(), superset.url(), superset.login(),
              launcher.home().resolve(SupersetRun.FILE), superset.log())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "millrace-superset-announce");
      announce.setDaemon(true);
      announce.start();
    }
    Thread keepShowing = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(2000);
          launcher.checkAlive();
        } catch (InterruptedException e) {
          return;
        } catch (LaunchException e) {
          out.println("\nmillrace: " + e.getMessage());
          System.exit(1);
        }
      }
    }, "millrace-health");
    keepShowing.setDaemon(true);
    keepShowing.start();
    new CountDownLatch(1).await();
    return 0;
  }

  private static List<String> lines(Launcher launcher, LoadRun run, DemoTally tally, AnalyticsRun curating) {
    List<String> lines = new java.util.ArrayList<>(ProgressDisplay.lines(launcher.watcher().counts(), producerLine(run, tally)));
    if (curating != null) {
      lines.addAll(curating.state().lines());
    }
    launcher.superset().ifPresent(s -> lines.add(SupersetRun.displayLine(s.state(), s.dashboardsUrl())));
    return lines;
  }

  private Duration runDemo(Launcher launcher, DemoTally tally, AtomicReference<LoadRun> demo, HistoryClock history)
      throws InterruptedException {
    Duration timeout = Duration.ofSeconds(10);
    List<EventSender> senders = List.of(
        new RestSender(URI.create("http://127.0.0.1:" + launcher.ports().collectorHttp()), launcher.writeKey(),
            RestSender.Compression.GZIP, timeout),
        GrpcSender.connect("127.0.0.1:" + launcher.ports().collectorGrpc(), launcher.writeKey(), GrpcSender.Mode.BATCH, timeout));
    try {
      // With a history, one request at a time: occurred_at then reaches each Kafka partition in order,
      // so the batch loader never sees an hour's event after marking it (a few minutes' grace suffice).
      LoadRun run = new LoadRun(new TrafficGenerator(System.nanoTime(), EventMix.demo(),
          history == null ? Clock.systemUTC() : history), senders, new LoadRun.Settings(rate, events, null, 50,
          history == null ? 4 : 1), tally);
      demo.set(run);
      return run.run();
    } finally {
      senders.forEach(EventSender::close);
    }
  }

  private static String producerLine(LoadRun run, DemoTally tally) {
    if (run == null) return "starting";
    return String.format(Locale.ROOT, "%,d sent · %,d accepted · %,d rejected%s", run.stats().sent(),
        tally.accepted(), tally.rejected(), tally.failed() > 0 ? String.format(Locale.ROOT, " · %,d failed", tally.failed()) : "");
  }

  private void printSummary(Launcher launcher) {
    ServerEndpoints infra = launcher.infra();
    ServicePorts p = launcher.ports();
    out.println();
    out.println("Look at the data:");
    out.println("  # enriched events, searchable in Elasticsearch");
    out.printf("  curl -s '%s/millrace-events*/_search?size=3&pretty'%n", infra.elasticsearchUrl());
    out.println("  # dead letters with their reason (collector and enricher)");
    out.printf("  curl -s '%s/millrace-dead-letters*/_search?size=3&pretty'%n", infra.elasticsearchUrl());
    out.println("  # the Parquet files on S3 (curl 7.75+ signs the request; the payload header is required by s3proxy)");
    out.printf("  curl -s --aws-sigv4 'aws:amz:%s:s3' --user '%s:%s' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD'"
            + " '%s/%s?list-type=2' | grep -o '<Key>[^<]*\\.parquet</Key>'%n", infra.s3Region(),
        infra.s3AccessKey(), infra.s3SecretKey(), infra.s3Endpoint(), dev.millrace.localrun.service.ServicePlans.BUCKET);
    out.printf("  # or: AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s aws --endpoint-url %s s3 ls --recursive s3://%s/%n",
        infra.s3AccessKey(), infra.s3SecretKey(), infra.s3Endpoint(), dev.millrace.localrun.service.ServicePlans.BUCKET);
    out.println("Send more traffic:");
    out.printf("  java -jar producer/target/millrace-producer-%s-exec.jar --rest-url http://127.0.0.1:%d"
        + " --grpc-target 127.0.0.1:%d --write-key %s --count 10000 --rate 1000%n",
        Launcher.version(), p.collectorHttp(), p.collectorGrpc(), launcher.writeKey());
    out.printf("  # or with a Segment SDK: host http://127.0.0.1:%d, write key %s; e.g.%n", p.collectorHttp(),
        launcher.writeKey());
    out.printf("  curl -s -u '%s:' http://127.0.0.1:%d/v1/track -H 'Content-Type: application/json'"
        + " -d '{\"userId\":\"u-1\",\"event\":\"Order Completed\",\"properties\":{\"total\":42}}'%n",
        launcher.writeKey(), p.collectorHttp());
    launcher.analytics().ifPresent(a -> {
      RunEndpoints e = a.endpoints();
      out.println("Query the curated tables (Trino " + e.trinoUrl() + ", web UI " + e.trinoUrl() + "/ui/ with any user name):");
      out.printf("  java -jar trino-cli-476-executable.jar --server %s --user demo --execute \\%n"
          + "    \"SELECT ds, event_type, count(*) AS events FROM %s GROUP BY 1, 2 ORDER BY 1, 2\"%n", e.trinoUrl(),
          a.qualified("events"));
      out.println("  # trino-cli: https://repo1.maven.org/maven2/io/trino/trino-cli/476/trino-cli-476-executable.jar");
      out.println("Curate a day again, or other days, without Airflow: ./millrace curate --ds YYYY-MM-DD | --from D1 --to D2");
    });
    launcher.analyticsSkipped().ifPresent(why -> out.println("Analytics were skipped: " + why));
    launcher.superset().ifPresent(s -> SupersetRun.summaryLines(s.state(), s.url(), s.login(),
        launcher.home().resolve(SupersetRun.FILE), s.log()).forEach(out::println));
    if (launcher.analyticsSkipped().isEmpty()) {
      launcher.supersetSkipped().ifPresent(why -> out.println("Superset was skipped: " + why));
    }
    out.println("Metrics: curl -s http://127.0.0.1:" + p.collectorHttp() + "/actuator/prometheus | grep millrace");
    out.println("Logs:    " + launcher.logs() + "/{collector,enrichment-api,enricher,realtime-loader,batch-loader}.log");
  }
}
