package dev.millrace.airflow;

import static dev.millrace.curation.fixture.Day.ONE;
import static dev.millrace.curation.fixture.Day.TWO;
import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.curation.catalog.CuratedTable;
import dev.millrace.curation.config.CurationConfig;
import dev.millrace.curation.fixture.CurationEnvironment;
import dev.millrace.curation.fixture.Day;
import dev.millrace.curation.fixture.Lakehouse;
import dev.millrace.curation.run.RunOptions;
import dev.millrace.localstack.FreePorts;
import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.localstack.PostgresServer;
import dev.millrace.localstack.S3Server;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The DAG in a real Airflow (the module's venv, SQLite metadata DB): {@code airflow dags test
 * millrace_curation <ds>} on S3 and PostgreSQL from local-stack, the curation job run by the local
 * runner as a child JVM of the task, exactly as a worker runs it. Test days are written with the
 * curation job's own fixtures (the batch loader's writer and hour markers).
 */
@ExtendWith(LocalStackExtension.class)
class AirflowCurationIT {

  static final String LAKE_BUCKET = CurationEnvironment.LAKE_BUCKET;
  static final Path AIRFLOW = Path.of(System.getProperty("millrace.airflow.dir", ".")).toAbsolutePath();
  static final Path TARGET = AIRFLOW.resolve("target");

  static Lakehouse lakehouse;
  static Map<String, String> settings;
  static Path venv;

  @BeforeAll
  static void start(S3Server s3, PostgresServer postgres) throws Exception {
    settings = CurationEnvironment.settings();
    lakehouse = new Lakehouse(settings, Files.createTempDirectory(TARGET, "spill"));
    venv = Path.of(run(List.of("bash", AIRFLOW.resolve("bin/venv").toString()), Map.of(), TARGET.resolve("venv.log"))
        .lastLine());
  }

  @AfterAll
  static void stop() {
    if (lakehouse != null) {
      lakehouse.close();
    }
  }

  @Test
  void dagsTestOfADayPublishesEveryTableAndAnAssetPerTable() throws Exception {
    Lakehouse.Space s = lakehouse.fresh();
    s.lake.write(Day.one());
    s.lake.markDays(ONE, ONE);
    Airflow airflow = new Airflow("day", s, Map.of());

    Result r = airflow.dagsTest(ONE);

    assertThat(r.code).as(r.tail()).isZero();
    assertThat(count(s, "events")).as("day one: 10 rows, one duplicate").isEqualTo(9);
    assertThat(count(s, "sessions")).isEqualTo(6);
    assertThat(count(s, "users")).isEqualTo(6);
    assertThat(count(s, "daily_metrics")).isEqualTo(3);
    assertThat(count(s, "funnel_daily")).isEqualTo(2);
    assertThat(airflow.assetEvents()).as("one asset event per curated table, for the day")
        .containsExactlyInAnyOrderElementsOf(assets(s, ONE));
  }

  /**
   * Two days are enough to show what a backfill must do: the scheduler runs each {@code ds}, the
   * second after the first ({@code curate} depends on the past), and day two builds on day one (B's
   * resent event is a duplicate across days, E's session goes on past midnight). The job's own IT
   * checks a three-day backfill equals three single runs; each day here is a real Spark run, ~40 s.
   */
  @Test
  void aTwoDayBackfillByTheSchedulerGivesTheTablesOfTwoSingleRuns() throws Exception {
    Lakehouse.Space singles = lakehouse.fresh();
    Lakehouse.Space backfilled = lakehouse.fresh();
    for (Lakehouse.Space s : List.of(singles, backfilled)) {
      s.lake.write(Day.one());
      s.lake.write(Day.two());
      s.lake.markDays(ONE, TWO);
    }
    for (LocalDate ds : List.of(ONE, TWO)) {
      singles.job().run(ds, RunOptions.all());
    }
    // Today as the start date: no catchup run competes with the backfill, which may go before it.
    Airflow airflow = new Airflow("backfill", backfilled,
        Map.of("MILLRACE_AIRFLOW_START_DATE", LocalDate.now(ZoneOffset.UTC).toString()));

    try (Scheduler scheduler = airflow.scheduler()) {
      Result created = airflow.cli("backfill", "create", "--dag-id", "millrace_curation", "--from-date", ONE.toString(),
          "--to-date", TWO.toString(), "--reprocess-behavior", "failed", "--max-active-runs", "1");
      assertThat(created.code).as(created.tail()).isZero();
      Map<String, String> runs = scheduler.awaitRuns(2, Duration.ofMinutes(20));
      assertThat(runs).as(scheduler.logs()).containsOnlyKeys(ONE.toString(), TWO.toString())
          .allSatisfy((ds, state) -> assertThat(state).as(ds + "\n" + scheduler.logs()).isEqualTo("success"));
    }
    assertThat(snapshot(backfilled)).as("the backfill's tables").isEqualTo(snapshot(singles));
    assertThat(airflow.assetEvents()).containsExactlyInAnyOrderElementsOf(
        List.of(ONE, TWO).stream().flatMap(ds -> assets(backfilled, ds).stream()).toList());
  }

  @Test
  void aDayWithAMissingHourWaitsThenFailsNamingIt() throws Exception {
    Lakehouse.Space s = lakehouse.fresh();
    s.lake.write(Day.one());
    s.lake.markDays(ONE, ONE);
    s.lake.unmark(ONE, 12);
    Airflow airflow = new Airflow("missing-hour", s, Map.of("MILLRACE_AIRFLOW_MARKERS_TIMEOUT", "4"));

    Result r = airflow.dagsTest(ONE);

    assertThat(r.code).as("the run fails").isNotZero();
    assertThat(r.output).contains("missing hours [12]")
        .contains("ds " + ONE + ": no _SUCCESS marker for hours [12]");
    assertThat(r.output).as("the sensor poked more than once before its timeout")
        .containsPattern("(?s)23 of 24 hours marked.*23 of 24 hours marked");
    assertThat(r.output).as("the job never ran").doesNotContain("running the curation job");
    assertThat(airflow.assetEvents()).isEmpty();
  }

  @Test
  void aFailedQualityGateFailsTheRunOnceAndPublishesNothing() throws Exception {
    Lakehouse.Space s = lakehouse.fresh();
    s.lake.write(Day.one());
    s.lake.markDays(ONE, ONE);
    // Day one has one bot among nine events: an 11% bot share fails a blocking 5% gate.
    Airflow airflow = new Airflow("gate", s, Map.of(
        "MILLRACE_CURATION_CHECK_BOT_SHARE_SEVERITY", "BLOCKING",
        "MILLRACE_CURATION_CHECK_BOT_SHARE_THRESHOLD", "0.05"));

    Result r = airflow.dagsTest(ONE);

    assertThat(r.code).as("the run fails").isNotZero();
    assertThat(r.output).as("the check report is in the task log").contains("bot_share")
        .contains("exit code 4: a blocking data-quality check failed");
    assertThat(count(r.output, "running the curation job: run")).as("bad data is not retried (retries=1)")
        .isEqualTo(1);
    assertThat(airflow.assetEvents()).isEmpty();
    assertThat(count(s, "events")).as("main of events did not move").isZero();
  }

  // --- helpers ---

  /** One Airflow home (SQLite), migrated once, whose DAG runs use one test space of the lake. */
  final class Airflow {
    final Path home;
    final Map<String, String> env = new HashMap<>();

    Airflow(String name, Lakehouse.Space space, Map<String, String> extra) throws Exception {
      home = TARGET.resolve("airflow-home-" + name + "-" + namespace(space));
      deleteRecursively(home);
      Files.createDirectories(home);
      env.put("AIRFLOW_HOME", home.toString());
      env.put("AIRFLOW__CORE__DAGS_FOLDER", AIRFLOW.resolve("dags").toString());
      env.put("AIRFLOW__CORE__LOAD_EXAMPLES", "false");
      env.put("AIRFLOW__CORE__UNIT_TEST_MODE", "false");
      S3Server s3 = LocalStack.s3();
      env.put("AIRFLOW_CONN_MILLRACE_S3", "{\"conn_type\": \"aws\", \"login\": \"" + s3.accessKey()
          + "\", \"password\": \"" + s3.secretKey() + "\", \"extra\": {\"endpoint_url\": \"" + s3.endpoint()
          + "\", \"region_name\": \"" + s3.region() + "\"}}");
      settings.forEach((k, v) -> env.put(envName(k), v));
      env.put(envName(CurationConfig.PREFIX + "namespace"), namespace(space));
      env.put(envName(CurationConfig.PREFIX + "input.prefix"), space.config.inputPrefix());
      env.put(envName(CurationConfig.PREFIX + "spark-master"), "local[2]");
      env.put(envName("spark.sql.shuffle.partitions"), "2"); // days of a few events: fewer, smaller tasks
      String classpath = Files.readString(Path.of(System.getProperty("millrace.curation.classpath.file"))).trim();
      env.put("MILLRACE_AIRFLOW_LOCAL_COMMAND", "java -Xmx1g " + System.getProperty("millrace.spark.test.jvm", "") + " "
          + System.getProperty("millrace.spark.jvm.opens", "") + " -cp " + classpath + " dev.millrace.curation.CurationMain");
      env.put("MILLRACE_AIRFLOW_START_DATE", "2026-11-01");
      env.put("MILLRACE_AIRFLOW_MARKERS_POKE_INTERVAL", "1");
      env.put("MILLRACE_AIRFLOW_MARKERS_TIMEOUT", "60");
      env.put("MILLRACE_AIRFLOW_RETRIES", "1");
      env.put("MILLRACE_AIRFLOW_RETRY_DELAY", "1");
      env.put("MILLRACE_AIRFLOW_EXECUTION_TIMEOUT", "600");
      // Airflow 3.3.2's `dags test` crashes when a run with a DeadlineAlert ends (it looks the
      // dag's deadline up by the serialized dict instead of its id: "'dict' object has no
      // attribute 'hex'"). The alert's declaration is checked by the integrity test; here it is off.
      env.put("MILLRACE_AIRFLOW_DEADLINE", "0");
      env.putAll(extra);
      Result migrated = run(List.of(airflow(), "db", "migrate"), env, home.resolve("migrate.log"));
      assertThat(migrated.code).as(migrated.tail()).isZero();
    }

    String airflow() {
      return venv.resolve("bin/airflow").toString();
    }

    Result cli(String... args) throws Exception {
      List<String> command = new ArrayList<>(List.of(airflow()));
      command.addAll(List.of(args));
      return run(command, env, home.resolve(args[0] + "-" + args[1] + ".log"));
    }

    /**
     * An API server (the tasks' execution API), a DAG processor and a scheduler with the local
     * executor, as a deployment runs them; returns once the DAG is parsed (unpaused).
     */
    Scheduler scheduler() throws Exception {
      int port = FreePorts.free();
      env.put("AIRFLOW__CORE__EXECUTOR", "LocalExecutor");
      env.put("AIRFLOW__CORE__PARALLELISM", "4");
      env.put("AIRFLOW__API__PORT", Integer.toString(port));
      env.put("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "http://127.0.0.1:" + port + "/execution/");
      env.put("AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", "5");
      env.put("AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC", "1");
      env.put("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT", Integer.toString(FreePorts.free()));
      env.put("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "false"); // a paused DAG's backfill waits
      Scheduler scheduler = new Scheduler(this);
      scheduler.start("api-server", "--port", Integer.toString(port));
      scheduler.start("dag-processor");
      scheduler.start("scheduler");
      long until = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (query("SELECT d.dag_id FROM dag d JOIN serialized_dag s ON s.dag_id = d.dag_id"
          + " WHERE d.dag_id = 'millrace_curation'").isEmpty()) {
        assertThat(System.nanoTime()).as("the DAG processor parsed the DAG\n" + scheduler.logs()).isLessThan(until);
        Thread.sleep(500);
      }
      return scheduler;
    }

    Result dagsTest(LocalDate ds) throws Exception {
      return run(List.of(airflow(), "dags", "test", "millrace_curation", ds.toString()), env,
          home.resolve("dags-test-" + ds + ".log"));
    }

    /**
     * The rows of {@code sql} on this Airflow's metadata DB, columns tab-separated. Read with
     * sqlite3, not the CLI: each {@code airflow} command imports Airflow, seconds of a core that
     * polling would take from the scheduler and the job on a 2-core CI box.
     */
    List<String> query(String sql) throws Exception {
      String script = "import sqlite3, sys\n"
          + "c = sqlite3.connect(sys.argv[1], timeout=30)\n"
          + "for row in c.execute(sys.argv[2]):\n"
          + "    print('\\t'.join('' if v is None else str(v) for v in row))\n";
      Result r = run(List.of(venv.resolve("bin/python").toString(), "-c", script, home.resolve("airflow.db").toString(),
          sql), Map.of(), home.resolve("query.log"));
      assertThat(r.code).as(r.tail()).isZero();
      return r.output.lines().filter(l -> !l.isBlank()).toList();
    }

    /** {@code <asset name> <ds>} of every asset event in this Airflow. */
    List<String> assetEvents() throws Exception {
      String query = "import sqlite3, json, sys\n"
          + "c = sqlite3.connect(sys.argv[1])\n"
          + "for name, extra in c.execute('SELECT a.name, e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id'):\n"
          + "    print(name, json.loads(extra).get('ds'))\n";
      Result r = run(List.of(venv.resolve("bin/python").toString(), "-c", query, home.resolve("airflow.db").toString()),
          Map.of(), home.resolve("asset-events.log"));
      assertThat(r.code).as(r.tail()).isZero();
      return r.output.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  /** The long-running Airflow components of one home; closing stops them and their children. */
  static final class Scheduler implements AutoCloseable {
    final Airflow airflow;
    final List<Process> processes = new ArrayList<>();
    final List<Path> logs = new ArrayList<>();

    Scheduler(Airflow airflow) {
      this.airflow = airflow;
    }

    void start(String... args) throws IOException {
      List<String> command = new ArrayList<>(List.of(airflow.airflow()));
      command.addAll(List.of(args));
      Path log = airflow.home.resolve(args[0] + ".log");
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().putAll(airflow.env);
      processes.add(pb.start());
      logs.add(log);
    }

    /** {ds: state} of the DAG's runs once {@code n} of them have finished. */
    Map<String, String> awaitRuns(int n, Duration timeout) throws Exception {
      long until = System.nanoTime() + timeout.toNanos();
      Map<String, String> states = Map.of();
      while (System.nanoTime() < until) {
        states = new TreeMap<>();
        for (String row : airflow.query("SELECT substr(logical_date, 1, 10), state FROM dag_run"
            + " WHERE dag_id = 'millrace_curation'")) {
          String[] cols = row.split("\t", -1);
          states.put(cols[0], cols[1]);
        }
        if (states.size() >= n && states.values().stream().allMatch(st -> st.equals("success") || st.equals("failed"))) {
          return states;
        }
        Thread.sleep(1000);
      }
      throw new AssertionError("runs not finished in " + timeout + ": " + states + "\n" + logs());
    }

    String logs() {
      StringBuilder b = new StringBuilder();
      for (Path log : logs) {
        try {
          List<String> lines = Files.readAllLines(log);
          b.append("--- ").append(log).append('\n')
              .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()))).append('\n');
        } catch (IOException e) {
          b.append("--- ").append(log).append(": ").append(e).append('\n');
        }
      }
      return b.toString();
    }

    @Override
    public void close() throws Exception {
      for (Process p : processes) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
      }
      for (Process p : processes) {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly().waitFor();
        }
      }
    }
  }

  record Result(int code, String output) {
    String lastLine() {
      List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
      return lines.get(lines.size() - 1);
    }

    String tail() {
      List<String> lines = output.lines().toList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
  }

  /** Runs a child process to its end (at most 10 minutes), its output kept in {@code log}. */
  static Result run(List<String> command, Map<String, String> env, Path log) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))); // never waits on a prompt
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        throw new AssertionError(command.get(0) + " did not finish in 10 minutes; see " + log);
      }
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  static List<String> assets(Lakehouse.Space s, LocalDate ds) {
    return Arrays.stream(CuratedTable.values())
        .map(t -> "curated." + namespace(s) + "." + t.tableName() + " " + ds).toList();
  }

  static String envName(String key) {
    return key.toUpperCase().replace('.', '_').replace('-', '_');
  }

  static String namespace(Lakehouse.Space s) {
    return s.config.namespace();
  }

  static long count(Lakehouse.Space s, String table) {
    if (!lakehouse.spark().catalog().tableExists(s.table(table))) {
      return 0;
    }
    return lakehouse.spark().table(s.table(table)).count();
  }

  static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  /** Every curated table's rows, sorted, as text. */
  static Map<String, List<String>> snapshot(Lakehouse.Space s) {
    Map<String, List<String>> tables = new LinkedHashMap<>();
    for (CuratedTable t : CuratedTable.values()) {
      List<String> rows = new ArrayList<>();
      for (Row r : lakehouse.spark().table(s.table(t.tableName())).collectAsList()) {
        rows.add(r.toString());
      }
      rows.sort(String::compareTo);
      tables.put(t.tableName(), rows);
    }
    return tables;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).collect(Collectors.toList())) {
          Files.delete(p);
        }
      }
    }
  }
}
