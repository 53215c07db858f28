package dev.millrace.curation.run;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.millrace.curation.catalog.CuratedTable;
import dev.millrace.curation.catalog.TableSchemas;
import dev.millrace.curation.config.CurationConfig;
import dev.millrace.curation.input.InputPlan;
import dev.millrace.curation.input.LakeInput;
import dev.millrace.curation.input.LakeRegistry;
import dev.millrace.curation.quality.CheckResult;
import dev.millrace.curation.quality.Checks;
import dev.millrace.curation.transform.DailyMetrics;
import dev.millrace.curation.transform.Events;
import dev.millrace.curation.transform.Funnel;
import dev.millrace.curation.transform.Sessions;
import dev.millrace.curation.transform.Users;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.spark.SparkCatalog;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriterV2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the curated tables of one day with write-audit-publish.
 *
 * <ol>
 *   <li><b>Plan</b>: the hours of {@code ds} that the batch loader marked complete, and their files.
 *   <li><b>Write</b>: every table of the run is written to its own Iceberg branch
 *       {@code audit_<run>}, created from {@code main}; readers of {@code main} see nothing yet.
 *   <li><b>Audit</b>: the checks run on the branches.
 *   <li><b>Publish</b>: only if no blocking check failed, each table's {@code main} is fast-forwarded
 *       to its branch (an atomic metadata commit per table). A fast-forward fails when {@code main}
 *       moved since the branch was made, so of two runs of the same day only one publishes.
 * </ol>
 *
 * Every run, published or not, appends its checks to {@code dq_results} and itself to
 * {@code curation_runs}. What a run computes depends only on {@code ds} and the published tables,
 * never on the clock, which only stamps the bookkeeping rows.
 */
public final class CurationJob {

  private static final Logger log = LoggerFactory.getLogger(CurationJob.class);
  public static final String DQ_RESULTS = "dq_results";
  public static final String CURATION_RUNS = "curation_runs";

  private final SparkSession spark;
  private final CurationConfig config;
  private final LakeInput lake;
  private final Checks checks;
  private final Clock clock;
  private final Catalog catalog;
  private final LakeRegistry registry;

  public CurationJob(SparkSession spark, CurationConfig config, LakeInput lake, Clock clock) {
    this.spark = spark;
    this.config = config;
    this.lake = lake;
    this.clock = clock;
    this.checks = new Checks(config);
    this.catalog = ((SparkCatalog) spark.sessionState().catalogManager().catalog(config.catalogName()))
        .icebergCatalog();
    this.registry = new LakeRegistry(catalog, config.namespace());
  }

  /** A day written to its audit branches and checked, not yet published. */
  public record Prepared(String runId, String branch, LocalDate ds, List<CuratedTable> tables, InputPlan plan,
      long inputRows, long duplicatesRemoved, Map<String, Long> outputRows, List<CheckResult> results,
      Instant startedAt) {

    public boolean blocked() {
      return results.stream().anyMatch(CheckResult::blocks);
    }

    /** The check report, one line per check. */
    public String report() {
      return results.stream().map(CheckResult::describe).collect(Collectors.joining("\n  ", "  ", ""));
    }
  }

  /** Builds, checks and publishes {@code ds}; throws a {@link RunFailure} when nothing was published. */
  public RunResult run(LocalDate ds, RunOptions options) {
    return publish(prepare(ds, options));
  }

  /** Plans, writes to the audit branches and runs the checks. */
  public Prepared prepare(LocalDate ds, RunOptions options) {
    String runId = UUID.randomUUID().toString();
    String branch = "audit_" + runId.replace("-", "");
    Instant started = clock.instant();
    List<CuratedTable> tables = CuratedTable.closure(options.tables());
    ensureTables(tables);
    InputPlan plan = lake.plan(ds);
    if (!plan.complete() && !options.allowIncomplete()) {
      RunFailure failure = new RunFailure(RunFailure.Kind.INCOMPLETE_INPUT, plan.missingMessage(), null);
      record(runId, ds, "FAILED", tables, plan, null, null, Map.of(), Map.of(), started, failure.getMessage());
      throw failure;
    }
    if (!plan.unlistedFiles().isEmpty()) {
      log.warn("ds {}: {} files under the day are in no manifest and are ignored, e.g. {}", ds,
          plan.unlistedFiles().size(), plan.unlistedFiles().get(0));
    }
    try {
      int added = registry.register(plan);
      log.info("ds {}: {} marked hours, {} missing, {} files ({} newly registered)", ds, plan.hours().size(),
          plan.missingHours().size(), plan.files().size(), added);
      for (CuratedTable t : tables) {
        load(t.tableName()).manageSnapshots().createBranch(branch).commit();
      }
      return writeAndAudit(runId, branch, ds, tables, plan, started);
    } catch (RuntimeException e) {
      dropBranches(tables, branch);
      RunFailure failure = e instanceof RunFailure f ? f
          : new RunFailure(RunFailure.Kind.ERROR, "ds " + ds + ": " + e.getMessage(), e);
      record(runId, ds, "FAILED", tables, plan, null, null, Map.of(), Map.of(), started, failure.getMessage());
      throw failure;
    }
  }

  /** Publishes a prepared day when no blocking check failed; records the run either way. */
  public RunResult publish(Prepared p) {
    writeChecks(p);
    if (p.blocked()) {
      dropBranches(p.tables(), p.branch());
      String message = "ds " + p.ds() + ": a blocking data-quality check failed; nothing was published\n" + p.report();
      record(p.runId(), p.ds(), "CHECKS_FAILED", p.tables(), p.plan(), p.inputRows(), p.duplicatesRemoved(),
          p.outputRows(), Map.of(), p.startedAt(), message);
      throw new RunFailure(RunFailure.Kind.CHECKS_FAILED, message, null);
    }
    Map<String, Long> snapshots = new LinkedHashMap<>();
    for (CuratedTable t : p.tables()) {
      Table table = load(t.tableName());
      try {
        table.manageSnapshots().fastForwardBranch("main", p.branch()).removeBranch(p.branch()).commit();
      } catch (ValidationException | IllegalArgumentException | CommitFailedException e) {
        // Iceberg refuses the fast-forward when main moved since the branch was made.
        dropBranches(p.tables(), p.branch());
        String message = "ds " + p.ds() + ": " + t.tableName() + " was published by another run after this run"
            + " started (" + e.getMessage() + "); " + (snapshots.isEmpty() ? "nothing"
            : "only " + String.join(", ", snapshots.keySet())) + " of this run was published; run the day again";
        record(p.runId(), p.ds(), "FAILED", p.tables(), p.plan(), p.inputRows(), p.duplicatesRemoved(),
            p.outputRows(), snapshots, p.startedAt(), message);
        throw new RunFailure(RunFailure.Kind.CONCURRENT_PUBLISH, message, e);
      }
      table.refresh();
      snapshots.put(t.tableName(), table.currentSnapshot().snapshotId());
    }
    record(p.runId(), p.ds(), "PUBLISHED", p.tables(), p.plan(), p.inputRows(), p.duplicatesRemoved(),
        p.outputRows(), snapshots, p.startedAt(), null);
    log.info("ds {}: published {} (run {})\n{}", p.ds(), snapshots.keySet(), p.runId(), p.report());
    return new RunResult(p.runId(), p.ds(), p.inputRows(), p.duplicatesRemoved(), p.outputRows(), snapshots,
        p.results(), !p.plan().complete());
  }

  private Prepared writeAndAudit(String runId, String branch, LocalDate ds, List<CuratedTable> tables,
      InputPlan plan, Instant started) {
    boolean partial = !plan.complete();
    List<Integer> hours = plan.hours().stream().map(InputPlan.MarkedHour::hour).toList();
    Dataset<Row> raw = spark.table(config.qualified(LakeRegistry.TABLE))
        .where(col("dt").equalTo(lit(ds)).and(col("hour").isin(hours.toArray())));
    Dataset<Row> flat = Events.flatten(raw, config.lateAfter()).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> published = spark.table(config.qualified("events"));
    Dataset<Row> earlier = published.where(col("ds").geq(lit(ds.minusDays(config.lookbackDays())))
        .and(col("ds").lt(lit(ds))));
    long inputRows = flat.count();
    long distinctIds = flat.select("event_id").distinct().count();
    long seenBefore = flat.select("event_id").distinct().join(earlier.select("event_id").distinct(), "event_id").count();
    long duplicates = (inputRows - distinctIds) + seenBefore;

    Dataset<Row> day = Sessions.assign(Events.deduplicate(flat, earlier), Sessions.openAtEnd(earlier),
            config.inactivityGap())
        .select(columns(TableSchemas.EVENTS)).persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, Long> outputRows = new LinkedHashMap<>();
    String snapshotRun = "snapshot-property.millrace.run-id";
    overwrite(day.writeTo(onBranch("events", branch)).option(snapshotRun, runId)
        .option("snapshot-property.millrace.ds", ds.toString())
        .option("snapshot-property.millrace.partial", Boolean.toString(partial)), col("ds").equalTo(lit(ds)));
    // The checks read back what was written (from the branch), once: five of them scan the day.
    Dataset<Row> dayOnBranch = spark.table(onBranch("events", branch)).where(col("ds").equalTo(lit(ds)))
        .persist(StorageLevel.MEMORY_AND_DISK());
    long written = dayOnBranch.count();
    outputRows.put("events", written);

    Dataset<Row> sessions = null;
    if (tables.contains(CuratedTable.SESSIONS)) {
      Dataset<Row> ids = day.where(col("session_id").isNotNull()).select("session_id").distinct();
      Dataset<Row> neighbours = published
          .where(col("ds").geq(lit(ds.minusDays(config.lookbackDays())))
              .and(col("ds").leq(lit(ds.plusDays(config.lookbackDays())))).and(col("ds").notEqual(lit(ds))))
          .join(ids, "session_id").select(columns(TableSchemas.EVENTS));
      sessions = Sessions.summarise(day.unionByName(neighbours)).select(columns(TableSchemas.SESSIONS))
          .persist(StorageLevel.MEMORY_AND_DISK());
      // An upsert by session id. A session with events on ds started between ds - lookback and ds,
      // so those partitions are rewritten: their other sessions as they were, these recomputed.
      // (Not MERGE INTO: Spark 4.1 fails to plan a MERGE whose source is a view over an Iceberg read.)
      Column touched = col("ds").geq(lit(ds.minusDays(config.lookbackDays()))).and(col("ds").leq(lit(ds)));
      Dataset<Row> kept = spark.table(onBranch("sessions", branch)).where(touched)
          .join(sessions.select("session_id"), "session_id", "left_anti").select(columns(TableSchemas.SESSIONS));
      overwrite(kept.unionByName(sessions).writeTo(onBranch("sessions", branch)).option(snapshotRun, runId), touched);
      outputRows.put("sessions", sessions.count());
    }
    if (tables.contains(CuratedTable.USERS)) {
      Dataset<Row> history = published.where(col("ds").notEqual(lit(ds))).select(columns(TableSchemas.EVENTS));
      Dataset<Row> users = Users.build(history.unionByName(day)).select(columns(TableSchemas.USERS));
      overwrite(users.writeTo(onBranch("users", branch)).option(snapshotRun, runId), lit(true));
      outputRows.put("users", spark.table(onBranch("users", branch)).count());
    }
    if (tables.contains(CuratedTable.DAILY_METRICS)) {
      Dataset<Row> metrics = DailyMetrics.build(day, sessions, partial).select(columns(TableSchemas.DAILY_METRICS));
      overwrite(metrics.writeTo(onBranch("daily_metrics", branch)).option(snapshotRun, runId),
          col("ds").equalTo(lit(ds)));
      outputRows.put("daily_metrics", spark.table(onBranch("daily_metrics", branch))
          .where(col("ds").equalTo(lit(ds))).count());
    }
    if (tables.contains(CuratedTable.FUNNEL_DAILY)) {
      Dataset<Row> funnel = Funnel.build(day, sessions, partial).select(columns(TableSchemas.FUNNEL_DAILY));
      overwrite(funnel.writeTo(onBranch("funnel_daily", branch)).option(snapshotRun, runId),
          col("ds").equalTo(lit(ds)));
      outputRows.put("funnel_daily", spark.table(onBranch("funnel_daily", branch))
          .where(col("ds").equalTo(lit(ds))).count());
    }

    List<CheckResult> results = new ArrayList<>();
    results.add(checks.requiredColumns(dayOnBranch));
    results.add(checks.uniqueEventId(dayOnBranch, earlier));
    results.add(checks.conservation(inputRows, written, duplicates));
    results.add(checks.volume(written, trailingSameWeekday(published, ds)));
    results.add(checks.botShare(dayOnBranch));
    results.add(checks.lateShare(dayOnBranch));
    if (tables.contains(CuratedTable.SESSIONS)) {
      results.add(checks.sessionsExist(dayOnBranch, spark.table(onBranch("sessions", branch))));
    }
    flat.unpersist();
    day.unpersist();
    dayOnBranch.unpersist();
    if (sessions != null) {
      sessions.unpersist();
    }
    return new Prepared(runId, branch, ds, tables, plan, inputRows, duplicates, outputRows, results, started);
  }

  private List<Long> trailingSameWeekday(Dataset<Row> published, LocalDate ds) {
    List<Object> days = new ArrayList<>();
    for (int week = 1; week <= config.volumeWeeks(); week++) {
      days.add(java.sql.Date.valueOf(ds.minusWeeks(week)));
    }
    Map<LocalDate, Long> byDay = new java.util.HashMap<>();
    for (Row r : published.where(col("ds").isin(days.toArray())).groupBy("ds").count().collectAsList()) {
      byDay.put(r.getDate(0).toLocalDate(), r.getLong(1));
    }
    List<Long> counts = new ArrayList<>();
    for (int week = 1; week <= config.volumeWeeks(); week++) {
      counts.add(byDay.getOrDefault(ds.minusWeeks(week), 0L));
    }
    return counts;
  }

  /** Creates the namespace and every table of the run that does not exist yet (and the bookkeeping ones). */
  private void ensureTables(List<CuratedTable> tables) {
    spark.sql("CREATE NAMESPACE IF NOT EXISTS " + config.catalogName() + "." + config.namespace());
    for (CuratedTable t : tables) {
      create(t.tableName(), t.schema(), t.partitionedBy(), t.description());
    }
    create(DQ_RESULTS, TableSchemas.DQ_RESULTS, "", "every data-quality check of every curation run");
    create(CURATION_RUNS, TableSchemas.CURATION_RUNS, "", "every curation run: inputs, outcome, snapshots");
  }

  private void create(String name, String schema, String partitionedBy, String comment) {
    spark.sql("CREATE TABLE IF NOT EXISTS " + config.qualified(name) + " (" + schema + ") USING iceberg"
        + (partitionedBy.isEmpty() ? "" : " PARTITIONED BY (" + partitionedBy + ")")
        + " COMMENT '" + comment.replace("'", "\\'") + "'"
        + " TBLPROPERTIES ('format-version'='2', 'write.parquet.compression-codec'='zstd')");
  }

  private void writeChecks(Prepared p) {
    Instant now = clock.instant();
    List<Row> rows = new ArrayList<>();
    for (CheckResult r : p.results()) {
      rows.add(RowFactory.create(p.runId(), p.ds(), r.check().table(), r.check().key(), r.severity().name(),
          finite(r.observed()), finite(r.threshold()), r.outcome(), r.detail(), now));
    }
    append(spark.createDataFrame(rows, StructType.fromDDL(TableSchemas.DQ_RESULTS)).writeTo(config.qualified(DQ_RESULTS)));
  }

  private void record(String runId, LocalDate ds, String status, List<CuratedTable> tables, InputPlan plan,
      Long inputRows, Long duplicates, Map<String, Long> outputRows, Map<String, Long> snapshots, Instant started,
      String message) {
    List<Row> inputs = plan.hours().stream()
        .map(h -> RowFactory.create(h.hour(), h.manifest(), h.sha256(), h.files().size())).toList();
    Row row = RowFactory.create(runId, ds, status, tables.stream().map(CuratedTable::tableName).toList(),
        !plan.complete(), plan.missingHours(), inputs, plan.unlistedFiles(), inputRows, duplicates, outputRows,
        snapshots, started, clock.instant(), message);
    try {
      append(spark.createDataFrame(List.of(row), StructType.fromDDL(TableSchemas.CURATION_RUNS))
          .writeTo(config.qualified(CURATION_RUNS)));
    } catch (RuntimeException e) {
      log.error("ds {}: could not record run {} ({}) in {}: {}", ds, runId, status, CURATION_RUNS, e.toString());
    }
  }

  private void dropBranches(List<CuratedTable> tables, String branch) {
    for (CuratedTable t : tables) {
      try {
        Table table = load(t.tableName());
        if (table.refs().containsKey(branch)) {
          table.manageSnapshots().removeBranch(branch).commit();
        }
      } catch (RuntimeException e) {
        log.warn("could not remove branch {} of {}: {}", branch, t.tableName(), e.toString());
      }
    }
  }

  private Table load(String table) {
    return catalog.loadTable(TableIdentifier.of(config.namespace(), table));
  }

  private String onBranch(String table, String branch) {
    return config.qualified(table) + ".branch_" + branch;
  }

  /** The column names of a DDL list, in order, for a {@code select} that matches the table. */
  static Column[] columns(String ddl) {
    return Arrays.stream(StructType.fromDDL(ddl).fieldNames()).map(org.apache.spark.sql.functions::col)
        .toArray(Column[]::new);
  }

  private static void overwrite(DataFrameWriterV2<Row> writer, Column condition) {
    try {
      writer.overwrite(condition);
    } catch (NoSuchTableException e) {
      throw new IllegalStateException("a table of the run disappeared: " + e.getMessage(), e);
    }
  }

  private static void append(DataFrameWriterV2<Row> writer) {
    try {
      writer.append();
    } catch (NoSuchTableException e) {
      throw new IllegalStateException("a table of the run disappeared: " + e.getMessage(), e);
    }
  }

  private static Double finite(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
