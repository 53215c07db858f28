package dev.millrace.curation.run;

import static dev.millrace.curation.fixture.Day.ONE;
import static dev.millrace.curation.fixture.Day.THREE;
import static dev.millrace.curation.fixture.Day.TWO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.curation.catalog.CuratedTable;
import dev.millrace.curation.config.CurationConfig;
import dev.millrace.curation.fixture.CurationEnvironment;
import dev.millrace.curation.fixture.Day;
import dev.millrace.curation.fixture.Lakehouse;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.localstack.PostgresServer;
import dev.millrace.localstack.S3Server;
import dev.millrace.localstack.TrinoServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Properties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The curation job end to end, on PostgreSQL (the Iceberg catalog) and S3 (lake and warehouse), on files written by the batch loader's own writer and markers:
 * exact tables for a known day, re-runs, backfills, missing hours, a failed gate, two runs at once.
 */
@ExtendWith(LocalStackExtension.class)
class CurationJobIT {

  static Lakehouse lakehouse;

  @BeforeAll
  static void start(S3Server s3, PostgresServer postgres) throws Exception {
    Path spill = Files.createTempDirectory("curation-it-spill");
    lakehouse = new Lakehouse(CurationEnvironment.settings(), spill);
  }

  @AfterAll
  static void stop() {
    lakehouse.close();
  }

  @Test
  void aKnownDayGivesExactlyTheExpectedRows() {
    Lakehouse.Space s = lakehouse.fresh();
    s.lake.write(Day.one());
    s.lake.markDays(ONE, ONE);

    RunResult result = s.job().run(ONE, RunOptions.all());

    assertThat(result.inputRows()).isEqualTo(10);
    assertThat(result.duplicatesRemoved()).isEqualTo(1);
    assertThat(result.checks()).allSatisfy(c -> assertThat(c.outcome()).as(c.describe()).isEqualTo("PASS"));
    List<Row> events = rows(s, "events", "event_id", "event_id, late, is_bot, session_id IS NULL AS no_session, received_at");
    assertThat(events).extracting(r -> r.getString(0)).containsExactly(
        Day.id(1), Day.id(2), Day.id(3), Day.id(4), Day.id(5), Day.id(6), Day.id(7), Day.id(8), Day.id(9));
    assertThat(events.get(4).getTimestamp(4).toInstant()).as("the earliest copy of a duplicate is kept")
        .isEqualTo(Day.at(ONE, "12:00:01"));
    assertThat(events).filteredOn(r -> r.getBoolean(1)).extracting(r -> r.getString(0)).containsExactly(Day.id(7));
    assertThat(events).filteredOn(r -> r.getBoolean(2)).extracting(r -> r.getString(0)).containsExactly(Day.id(6));
    assertThat(events).filteredOn(r -> r.getBoolean(3)).extracting(r -> r.getString(0)).containsExactly(Day.id(8));

    List<Row> sessions = rows(s, "sessions", "started_at",
        "anonymous_id, events, page_views, duration_seconds, bounced, converted, revenue, entry_page, utm_campaign, ds");
    assertThat(sessions).extracting(Row::toString).containsExactly(
        "[D,1,1,0,true,false,0.00,/p/page_view,null," + ONE.minusDays(1) + "]",
        "[A,3,1,1200,false,true,42.50,/p/page_view,winter," + ONE + "]",
        "[A,1,1,0,true,false,0.00,/p/page_view,null," + ONE + "]",
        "[B,1,1,0,true,false,0.00,/p/page_view,null," + ONE + "]",
        "[C,1,1,0,true,false,0.00,/p/page_view,null," + ONE + "]",
        "[E,1,1,0,true,false,0.00,/p/page_view,null," + ONE + "]");

    List<Row> users = rows(s, "users", "user_key", "user_key, user_id, events, sessions, purchases, revenue");
    assertThat(users).extracting(Row::toString).containsExactly(
        "[A,null,3,2,0,0.00]", "[B,null,1,1,0,0.00]", "[C,null,1,1,0,0.00]", "[D,null,1,1,0,0.00]",
        "[E,null,1,1,0,0.00]", "[u1,u1,1,1,1,42.50]");

    List<Row> metrics = rows(s, "daily_metrics", "event_type",
        "event_type, events, users, sessions, bounce_rate, median_session_seconds, partial");
    assertThat(metrics).extracting(Row::toString).containsExactly(
        "[add_to_cart,1,1,1,0.0,1200.0,false]",
        "[page_view,7,5,6,0.8333333333333334,0.0,false]",
        "[purchase,1,1,1,0.0,1200.0,false]");

    List<Row> funnel = rows(s, "funnel_daily", "utm_campaign",
        "utm_campaign, sessions, page_view_sessions, add_to_cart_sessions, purchase_sessions, revenue");
    assertThat(funnel).extracting(Row::toString).containsExactly(
        "[null,5,5,0,0,0.00]", "[winter,1,1,1,1,42.50]");

    Row run = lakehouse.spark().sql("SELECT status, size(inputs), input_rows, duplicates_removed, partial FROM "
        + s.table("curation_runs")).first();
    assertThat(run.toString()).isEqualTo("[PUBLISHED,24,10,1,false]");
  }

  @Test
  void aReRunChangesNothingAndABackfillEqualsSingleRuns() {
    Lakehouse.Space singles = lakehouse.fresh();
    Lakehouse.Space backfilled = lakehouse.fresh();
    for (Lakehouse.Space s : List.of(singles, backfilled)) {
      s.lake.write(Day.one());
      s.lake.write(Day.two());
      s.lake.write(Day.three());
      s.lake.markDays(ONE, THREE);
    }
    for (var ds : List.of(ONE, TWO, THREE)) {
      singles.job().run(ds, RunOptions.all());
    }
    Map<String, List<String>> before = snapshot(singles);
    RunResult again = singles.job().run(TWO, RunOptions.all());
    assertThat(snapshot(singles)).as("re-running a day").isEqualTo(before);
    assertThat(again.duplicatesRemoved()).as("B's first event, resent on day two").isEqualTo(1);

    int code = dev.millrace.curation.CurationMain.run(new String[] {"backfill", "--from", ONE.toString(), "--to",
        THREE.toString()}, backfilled.config, lakehouse.spark(), System.out, System.err);
    assertThat(code).isZero();
    assertThat(snapshot(backfilled)).isEqualTo(before);

    List<Row> e = rows(singles, "sessions", "started_at", "anonymous_id, events, duration_seconds, ds");
    assertThat(e).extracting(Row::toString).as("E's session spans midnight and keeps its first day")
        .contains("[E,2,1200," + ONE + "]");
  }

  @Test
  void aDayWithAnUnmarkedHourFailsNamingIt_unlessPartialIsAllowed() {
    Lakehouse.Space s = lakehouse.fresh();
    s.lake.write(Day.one());
    s.lake.markDays(ONE, ONE);
    s.lake.unmark(ONE, 12);

    assertThatThrownBy(() -> s.job().run(ONE, RunOptions.all()))
        .isInstanceOfSatisfying(RunFailure.class, f -> assertThat(f.kind()).isEqualTo(RunFailure.Kind.INCOMPLETE_INPUT))
        .hasMessageContaining("hour [12]");
    assertThat(lakehouse.spark().table(s.table("events")).count()).isZero();

    RunResult partial = s.job().run(ONE, new RunOptions(List.of(), true));
    assertThat(partial.partial()).isTrue();
    assertThat(partial.inputRows()).as("B's two copies were received in hour 12").isEqualTo(8);
    assertThat(lakehouse.spark().sql("SELECT DISTINCT partial FROM " + s.table("daily_metrics")).collectAsList())
        .extracting(Row::toString).containsExactly("[true]");
  }

  @Test
  void aDayThatBreaksABlockingCheckPublishesNothingAndDqResultsSayWhy() {
    Lakehouse.Space s = lakehouse.fresh();
    s.lake.write(Day.one());
    s.lake.markDays(ONE, ONE);
    CurationConfig strict = s.config.with(Map.of(
        CurationConfig.PREFIX + "check.bot_share.severity", "BLOCKING",
        CurationConfig.PREFIX + "check.bot_share.threshold", "0.05"));

    assertThatThrownBy(() -> s.job(strict).run(ONE, RunOptions.all()))
        .isInstanceOfSatisfying(RunFailure.class, f -> assertThat(f.kind()).isEqualTo(RunFailure.Kind.CHECKS_FAILED))
        .hasMessageContaining("bot_share").hasMessageContaining("threshold 0.0500");

    for (CuratedTable t : CuratedTable.values()) {
      assertThat(lakehouse.spark().table(s.table(t.tableName())).count()).as(t.tableName()).isZero();
    }
    Row dq = lakehouse.spark().sql("SELECT outcome, observed, threshold, detail FROM " + s.table("dq_results")
        + " WHERE check_name = 'bot_share'").first();
    assertThat(dq.getString(0)).isEqualTo("FAIL");
    assertThat(dq.getDouble(1)).isEqualTo(1.0 / 9);
    assertThat(dq.getDouble(2)).isEqualTo(0.05);
    assertThat(lakehouse.spark().sql("SELECT status FROM " + s.table("curation_runs")).first().getString(0))
        .isEqualTo("CHECKS_FAILED");
  }

  @Test
  void ofTwoRunsOfTheSameDayAtOnceOnlyOnePublishes() {
    Lakehouse.Space s = lakehouse.fresh();
    s.lake.write(Day.one());
    s.lake.markDays(ONE, ONE);
    CurationJob job = s.job();
    CurationJob.Prepared first = job.prepare(ONE, RunOptions.all());
    CurationJob.Prepared second = job.prepare(ONE, RunOptions.all());

    job.publish(second);
    assertThatThrownBy(() -> job.publish(first))
        .isInstanceOfSatisfying(RunFailure.class, f -> assertThat(f.kind()).isEqualTo(RunFailure.Kind.CONCURRENT_PUBLISH))
        .hasMessageContaining("published by another run");
    assertThat(lakehouse.spark().table(s.table("events")).count()).isEqualTo(9);
  }

  @Test
  void trinoReadsEveryTableAsSparkWroteIt(TrinoServer trino) throws Exception {
    Lakehouse.Space s = lakehouse.fresh();
    s.lake.write(Day.one());
    s.lake.write(Day.two());
    s.lake.markDays(ONE, TWO);
    s.job().run(ONE, RunOptions.all());
    s.job().run(TWO, RunOptions.all());

    // MICROS(t) is a timestamp as UTC text to the microsecond, in both engines.
    Map<String, String> columns = new java.util.LinkedHashMap<>();
    columns.put("events", "ds, event_id, event_type, session_id, late, is_bot, bot_score, utm_campaign, page_path,"
        + " MICROS(received_at), MICROS(occurred_at), kafka_offset, payload_json");
    columns.put("sessions", "ds, session_id, anonymous_id, events, page_views, duration_seconds, bounced, converted,"
        + " CAST(revenue AS VARCHAR), entry_page, exit_page, MICROS(started_at), MICROS(ended_at)");
    columns.put("users", "user_key, user_id, events, sessions, purchases, CAST(revenue AS VARCHAR),"
        + " MICROS(first_seen), MICROS(last_seen)");
    columns.put("daily_metrics", "ds, event_type, source, events, users, sessions, bounce_rate,"
        + " median_session_seconds, partial");
    columns.put("funnel_daily", "ds, source, utm_campaign, sessions, page_view_sessions, add_to_cart_sessions,"
        + " purchase_sessions, view_to_purchase_rate, CAST(revenue AS VARCHAR), partial");
    columns.put("dq_results", "run_id, ds, table_name, check_name, outcome, observed, threshold");
    columns.put("curation_runs", "run_id, ds, status, input_rows, duplicates_removed, cardinality(inputs)");
    Properties user = new Properties();
    user.setProperty("user", "curation-it");
    try (Connection c = DriverManager.getConnection(trino.jdbcUrl(), user); Statement st = c.createStatement()) {
      for (var table : columns.entrySet()) {
        String sparkSql = "SELECT " + table.getValue().replaceAll("MICROS\\((\\w+)\\)", "date_format($1, 'yyyy-MM-dd HH:mm:ss.SSSSSS')")
            .replace("AS VARCHAR", "AS STRING").replace("cardinality(", "size(") + " FROM " + s.table(table.getKey());
        List<String> spark = lakehouse.spark().sql(sparkSql).collectAsList().stream().map(Row::toString).sorted()
            .toList();
        String trinoSql = "SELECT " + table.getValue().replaceAll("MICROS\\((\\w+)\\)",
                "substr(CAST($1 AT TIME ZONE 'UTC' AS VARCHAR), 1, 26)")
            + " FROM " + s.config.catalogName() + "." + s.config.namespace() + "." + table.getKey();
        List<String> read = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(trinoSql)) {
          ResultSetMetaData meta = rs.getMetaData();
          while (rs.next()) {
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
              values.add(String.valueOf(rs.getObject(i)));
            }
            read.add("[" + String.join(",", values) + "]");
          }
        }
        assertThat(spark).as(table.getKey() + " in Spark").isNotEmpty();
        assertThat(read.stream().sorted().toList()).as(table.getKey() + " read by Trino").isEqualTo(spark);
      }
    }
  }

  @Test
  void maintenanceCompactsAndExpiresWithoutChangingWhatTheTablesHold() {
    Lakehouse.Space s = lakehouse.fresh();
    s.lake.write(Day.one());
    s.lake.markDays(ONE, ONE);
    s.job().run(ONE, RunOptions.all());
    s.job().run(ONE, RunOptions.all());
    Map<String, List<String>> before = snapshot(s);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

    int code = dev.millrace.curation.CurationMain.run(new String[] {"maintain", "--older-than", "0s", "--retain-last",
        "1"}, s.config, lakehouse.spark(), new java.io.PrintStream(out, true), System.err);

    assertThat(code).isZero();
    assertThat(snapshot(s)).isEqualTo(before);
    long eventsSnapshots = lakehouse.spark().sql("SELECT * FROM " + s.table("events") + ".snapshots").count();
    assertThat(eventsSnapshots).as("snapshots of events kept").isEqualTo(1);
    assertThat(out.toString()).contains("events");
  }

  private static List<Row> rows(Lakehouse.Space s, String table, String orderBy, String columns) {
    return lakehouse.spark().sql("SELECT " + columns + " FROM " + s.table(table) + " ORDER BY " + orderBy)
        .collectAsList();
  }

  /** Every curated table's rows as sorted text. */
  private static Map<String, List<String>> snapshot(Lakehouse.Space s) {
    return java.util.Arrays.stream(CuratedTable.values()).collect(Collectors.toMap(CuratedTable::tableName,
        t -> lakehouse.spark().table(s.table(t.tableName())).collectAsList().stream().map(Row::toString).sorted()
            .toList()));
  }
}
