package dev.millrace.curation.transform;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.unix_micros;
import static org.apache.spark.sql.functions.when;

import java.time.Duration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Sessions: per anonymous id, events in time order; a new session starts after the inactivity gap.
 *
 * <p>A session can span midnight. The run for a day continues the session that was still open at
 * the end of the earlier days ({@link #openAtEnd}); so a session id, once given, never changes,
 * and a later day's run only extends the session's row.
 */
public final class Sessions {

  private Sessions() {}

  /**
   * For each anonymous id, its last event in {@code earlier} (published events of the lookback
   * days, with their {@code session_id}): columns {@code anonymous_id, last_at, open_session_id}.
   */
  public static Dataset<Row> openAtEnd(Dataset<Row> earlier) {
    Column order = struct(Events.eventTime(), col("event_id"));
    return earlier.where(col("anonymous_id").isNotNull().and(col("session_id").isNotNull()))
        .groupBy("anonymous_id")
        .agg(max(Events.eventTime()).as("last_at"), max_by(col("session_id"), order).as("open_session_id"));
  }

  /**
   * {@code day} with a {@code session_id}: the open session of {@code open} continues when the
   * first event of the day is within {@code gap} of that session's last event; otherwise, and after
   * each gap, a new session whose id is a hash of the anonymous id and its first event id. Events
   * without an anonymous id get no session.
   */
  public static Dataset<Row> assign(Dataset<Row> day, Dataset<Row> open, Duration gap) {
    long gapMicros = gap.toNanos() / 1_000;
    WindowSpec byTime = Window.partitionBy("anonymous_id").orderBy(Events.eventTime(), col("event_id"));
    Column t = unix_micros(Events.eventTime());
    Column previous = lag(t, 1).over(byTime);
    Column openLast = unix_micros(col("last_at"));
    Column startsSession = when(previous.isNotNull(), t.minus(previous).gt(lit(gapMicros)))
        .otherwise(col("open_session_id").isNull().or(t.minus(openLast).gt(lit(gapMicros))));
    Dataset<Row> withOpen = day.join(open, "anonymous_id", "left");
    Dataset<Row> flagged = withOpen.withColumn("_starts", when(startsSession, 1).otherwise(0));
    WindowSpec running = byTime.rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Dataset<Row> numbered = flagged.withColumn("_n", sum(col("_starts")).over(running));
    WindowSpec bySession = Window.partitionBy(col("anonymous_id"), col("_n")).orderBy(Events.eventTime(), col("event_id"));
    Column firstEvent = first(col("event_id")).over(bySession.rowsBetween(Window.unboundedPreceding(), Window.currentRow()));
    Column id = when(col("anonymous_id").isNull(), lit(null).cast("string"))
        .when(col("_n").equalTo(0), col("open_session_id"))
        .otherwise(sha2(concat_ws("/", col("anonymous_id"), firstEvent), 256).substr(1, 32));
    return numbered.withColumn("session_id", id).drop("_starts", "_n", "last_at", "open_session_id");
  }

  /**
   * One row per session of {@code events} (every event of each session, whichever day it is in),
   * with the columns of the {@code sessions} table.
   */
  public static Dataset<Row> summarise(Dataset<Row> events) {
    Column order = struct(Events.eventTime(), col("event_id"));
    return events.where(col("session_id").isNotNull())
        .groupBy("session_id")
        .agg(
            min_by(col("anonymous_id"), order).as("anonymous_id"),
            max_by(col("user_id"), when(col("user_id").isNotNull(), order)).as("user_id"),
            min(Events.eventTime()).as("started_at"),
            max(Events.eventTime()).as("ended_at"),
            count(lit(1)).as("events"),
            sum(when(col("event_type").equalTo("page_view"), 1L).otherwise(0L)).as("page_views"),
            min_by(col("page_path"), order).as("entry_page"),
            max_by(col("page_path"), order).as("exit_page"),
            min_by(col("source"), order).as("source"),
            min_by(col("referrer_class"), order).as("referrer_class"),
            min_by(col("referrer_host"), order).as("referrer_host"),
            min_by(col("utm_source"), order).as("utm_source"),
            min_by(col("utm_medium"), order).as("utm_medium"),
            min_by(col("utm_campaign"), order).as("utm_campaign"),
            min_by(col("device_class"), order).as("device_class"),
            sum(when(col("event_type").equalTo("purchase"), 1L).otherwise(0L)).as("purchases"),
            sum(Events.revenue()).as("revenue"))
        .withColumn("ds", to_date(col("started_at")))
        .withColumn("duration_seconds",
            unix_micros(col("ended_at")).minus(unix_micros(col("started_at"))).divide(1_000_000L).cast("bigint"))
        .withColumn("bounced", col("events").equalTo(1))
        .withColumn("converted", col("purchases").gt(0))
        .withColumn("revenue", col("revenue").cast("decimal(18,2)"));
  }
}
