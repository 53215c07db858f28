package dev.millrace.curation.transform;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The {@code users} table: one row per user over every event given. */
public final class Users {

  private Users() {}

  /**
   * Users of {@code events} (all published days, with the run's day replaced): keyed by the
   * pseudonymised user id, or the anonymous id for events without one.
   */
  public static Dataset<Row> build(Dataset<Row> events) {
    Column order = struct(Events.eventTime(), col("event_id"));
    return events.withColumn("user_key", Events.userKey())
        .where(col("user_key").isNotNull())
        .groupBy("user_key")
        .agg(
            max(col("user_id")).as("user_id"),
            min(Events.eventTime()).as("first_seen"),
            max(Events.eventTime()).as("last_seen"),
            min_by(col("source"), order).as("first_source"),
            countDistinct(col("session_id")).as("sessions"),
            count(lit(1)).as("events"),
            sum(when(col("event_type").equalTo("purchase"), 1L).otherwise(0L)).as("purchases"),
            sum(Events.revenue()).cast("decimal(18,2)").as("revenue"));
  }
}
