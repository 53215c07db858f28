package dev.millrace.curation.transform;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code funnel_daily} table: of the sessions with events on a day, how many viewed a page,
 * then also added to cart, then also purchased; per source and campaign of the session.
 */
public final class Funnel {

  private Funnel() {}

  public static Dataset<Row> build(Dataset<Row> events, Dataset<Row> sessions, boolean partial) {
    Dataset<Row> perSession = events.where(col("session_id").isNotNull())
        .groupBy("ds", "session_id")
        .agg(max(has("page_view")).as("pv"), max(has("add_to_cart")).as("atc"), max(has("purchase")).as("buy"),
            sum(Events.revenue()).as("session_revenue"));
    Column pv = col("pv").equalTo(1);
    Column atc = pv.and(col("atc").equalTo(1));
    Column buy = atc.and(col("buy").equalTo(1));
    return perSession.join(sessions.select("session_id", "source", "utm_campaign"), "session_id")
        .groupBy("ds", "source", "utm_campaign")
        .agg(count(lit(1)).as("sessions"),
            sum(when(pv, 1L).otherwise(0L)).as("page_view_sessions"),
            sum(when(atc, 1L).otherwise(0L)).as("add_to_cart_sessions"),
            sum(when(buy, 1L).otherwise(0L)).as("purchase_sessions"),
            sum(col("session_revenue")).as("revenue"))
        .withColumn("view_to_cart_rate", rate("add_to_cart_sessions", "page_view_sessions"))
        .withColumn("cart_to_purchase_rate", rate("purchase_sessions", "add_to_cart_sessions"))
        .withColumn("view_to_purchase_rate", rate("purchase_sessions", "page_view_sessions"))
        .withColumn("revenue", org.apache.spark.sql.functions.coalesce(col("revenue"), lit(0)).cast("decimal(18,2)"))
        .withColumn("partial", lit(partial));
  }

  private static Column has(String eventType) {
    return when(col("event_type").equalTo(eventType), 1).otherwise(0);
  }

  private static Column rate(String part, String whole) {
    return when(col(whole).gt(0), col(part).cast("double").divide(col(whole)));
  }
}
