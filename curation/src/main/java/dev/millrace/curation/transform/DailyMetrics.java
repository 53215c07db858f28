package dev.millrace.curation.transform;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The {@code daily_metrics} table: per day, event type and source. */
public final class DailyMetrics {

  private DailyMetrics() {}

  /**
   * @param events the day's events
   * @param sessions sessions, at least those of the day's events
   * @param partial whether the day was read with unmarked hours
   */
  public static Dataset<Row> build(Dataset<Row> events, Dataset<Row> sessions, boolean partial) {
    Dataset<Row> counts = events.groupBy("ds", "event_type", "source")
        .agg(count(lit(1)).as("events"), countDistinct(Events.userKey()).as("users"),
            countDistinct(col("session_id")).as("sessions"));
    Dataset<Row> perSession = events.where(col("session_id").isNotNull())
        .select("ds", "event_type", "source", "session_id").distinct()
        .join(sessions.select("session_id", "bounced", "duration_seconds"), "session_id");
    // The session figures get their own key names: both sides come from the same events, and a
    // condition like counts.ds = stats.ds over one lineage is ambiguous to Spark.
    Dataset<Row> sessionStats = perSession.groupBy("ds", "event_type", "source")
        .agg(avg(col("bounced").cast("double")).as("bounce_rate"),
            percentile(col("duration_seconds").cast("double"), lit(0.5)).as("median_session_seconds"))
        .select(col("ds").as("_ds"), col("event_type").as("_event_type"), col("source").as("_source"),
            col("bounce_rate"), col("median_session_seconds"));
    return counts.join(sessionStats,
            col("ds").equalTo(col("_ds")).and(col("event_type").equalTo(col("_event_type")))
                .and(col("source").eqNullSafe(col("_source"))),
            "left")
        .select(col("ds"), col("event_type"), col("source"), col("events"), col("users"),
            col("sessions"), col("bounce_rate"), col("median_session_seconds"), lit(partial).as("partial"));
  }
}
