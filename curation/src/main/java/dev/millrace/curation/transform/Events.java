package dev.millrace.curation.transform;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.unix_micros;

import dev.millrace.curation.catalog.EventsTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The {@code events} table: the batch loader's rows flattened to the analysts' columns, and
 * duplicates removed. Pure functions of their inputs; no I/O, no wall clock.
 */
public final class Events {

  private Events() {}

  /**
   * The loader's columns renamed and typed as {@code events} ({@link EventsTable}), all but
   * {@code session_id}, which {@link Sessions} assigns.
   *
   * @param raw rows of the batch loader's Parquet files with their {@code dt} partition
   * @param lateAfter an event is late when it occurred more than this before it was received
   */
  public static Dataset<Row> flatten(Dataset<Row> raw, Duration lateAfter) {
    long lateMicros = lateAfter.toNanos() / 1_000;
    Map<String, Column> computed = Map.of(
        "ds", col("dt"),
        "late", coalesce(
            unix_micros(col("received_at")).minus(unix_micros(col("occurred_at"))).gt(lit(lateMicros)), lit(false)),
        "page_host", expr("try_parse_url(page_url, 'HOST')"),
        "page_path", expr("try_parse_url(page_url, 'PATH')"));
    List<Column> select = new ArrayList<>();
    for (EventsTable.Column c : EventsTable.COLUMNS) {
      if (!c.computed()) {
        select.add(col(c.source()).as(c.name()));
      } else if (computed.containsKey(c.name())) {
        select.add(computed.get(c.name()).as(c.name()));
      } else if (!c.name().equals("session_id")) {
        throw new IllegalStateException("events column " + c.name() + " has no expression");
      }
    }
    return raw.select(select.toArray(Column[]::new));
  }

  /**
   * One row per event id: of the copies in {@code day}, the earliest received (ties broken by
   * Kafka position, so the choice is deterministic); and none whose id {@code earlier} already has
   * (a resend that arrived days later; that copy was received earlier and is published).
   *
   * @param earlier rows with an {@code event_id} column: the published events of the lookback days
   */
  public static Dataset<Row> deduplicate(Dataset<Row> day, Dataset<Row> earlier) {
    var first = Window.partitionBy("event_id").orderBy(col("received_at").asc_nulls_last(),
        col("kafka_topic"), col("kafka_partition"), col("kafka_offset"));
    Dataset<Row> once = day.withColumn("_copy", row_number().over(first)).where(col("_copy").equalTo(1)).drop("_copy");
    Dataset<Row> seen = earlier.select(col("event_id").as("_seen_id")).distinct();
    return once.join(seen, once.col("event_id").equalTo(seen.col("_seen_id")), "left_anti");
  }

  /** When the event happened for sessions and users: the producer's time, else the collector's. */
  public static Column eventTime() {
    return coalesce(col("occurred_at"), col("received_at"));
  }

  /** Purchase revenue of an event: the payload's {@code total}, 0 for other events or a bad value. */
  public static Column revenue() {
    return expr("CASE WHEN event_type = 'purchase' THEN "
        + "coalesce(try_cast(get_json_object(payload_json, '$.total') AS DECIMAL(18,2)), 0) "
        + "ELSE CAST(0 AS DECIMAL(18,2)) END");
  }

  /** Who the event is about: the pseudonymised user id, else the anonymous id. */
  public static Column userKey() {
    return coalesce(col("user_id"), col("anonymous_id"));
  }
}
