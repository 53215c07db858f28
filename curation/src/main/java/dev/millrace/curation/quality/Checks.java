package dev.millrace.curation.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.millrace.curation.config.CurationConfig;
import java.util.List;
import java.util.OptionalDouble;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The data-quality checks, as plain Spark aggregates over what a run wrote to its audit branch.
 * Each returns a {@link CheckResult} with the observed value and the configured threshold and
 * severity.
 */
public final class Checks {

  /** Columns a row of {@code events} cannot be without. */
  public static final List<String> REQUIRED = List.of("event_id", "event_type", "received_at", "payload_json",
      "kafka_topic", "kafka_partition", "kafka_offset");

  private final CurationConfig config;

  public Checks(CurationConfig config) {
    this.config = config;
  }

  /** Rows of the day missing a required column. */
  public CheckResult requiredColumns(Dataset<Row> dayEvents) {
    Column anyNull = lit(false);
    for (String c : REQUIRED) {
      anyNull = anyNull.or(col(c).isNull());
    }
    long bad = dayEvents.where(anyNull).count();
    return exact(CheckName.REQUIRED_COLUMNS, bad, bad + " rows with a null in " + String.join(", ", REQUIRED));
  }

  /** Ids of the day seen twice in the day or also in {@code otherDays} (the lookback days). */
  public CheckResult uniqueEventId(Dataset<Row> dayEvents, Dataset<Row> otherDays) {
    Row r = dayEvents.agg(count(lit(1)), countDistinct(col("event_id"))).first();
    long repeated = r.getLong(0) - r.getLong(1);
    long acrossDays = dayEvents.select("event_id").distinct()
        .join(otherDays.select("event_id").distinct(), "event_id").count();
    return exact(CheckName.UNIQUE_EVENT_ID, repeated + acrossDays,
        repeated + " repeated within the day, " + acrossDays + " also in the lookback days");
  }

  /** Input rows = rows written + duplicates removed, exactly. */
  public CheckResult conservation(long inputRows, long written, long duplicatesRemoved) {
    long difference = inputRows - (written + duplicatesRemoved);
    return exact(CheckName.CONSERVATION, difference,
        inputRows + " input rows, " + written + " written, " + duplicatesRemoved + " duplicates removed");
  }

  /**
   * The day's rows against the average of the same weekday in the trailing weeks.
   *
   * @param trailing row counts of the same weekday in earlier weeks (empty ones are left out)
   */
  public CheckResult volume(long rows, List<Long> trailing) {
    double threshold = settings(CheckName.VOLUME).threshold();
    OptionalDouble average = trailing.stream().mapToLong(Long::longValue).filter(n -> n > 0).average();
    if (average.isEmpty()) {
      return result(CheckName.VOLUME, 0, true, rows + " rows; no earlier " + "same weekday to compare with");
    }
    double deviation = Math.abs(rows / average.getAsDouble() - 1);
    return result(CheckName.VOLUME, deviation, deviation <= threshold,
        String.format(java.util.Locale.ROOT, "%d rows against a trailing average of %.1f over %d weeks", rows,
            average.getAsDouble(), trailing.stream().filter(n -> n > 0).count()));
  }

  /** Share of the day's events flagged as bots. */
  public CheckResult botShare(Dataset<Row> dayEvents) {
    return share(CheckName.BOT_SHARE, dayEvents, col("is_bot").equalTo(true), "flagged as bots");
  }

  /** Share of the day's events that are late. */
  public CheckResult lateShare(Dataset<Row> dayEvents) {
    return share(CheckName.LATE_SHARE, dayEvents, col("late").equalTo(true),
        "late (occurred more than " + config.lateAfter() + " before received)");
  }

  /** Session ids of the day's events without a row in {@code sessions}. */
  public CheckResult sessionsExist(Dataset<Row> dayEvents, Dataset<Row> sessions) {
    Dataset<Row> ids = dayEvents.where(col("session_id").isNotNull()).select("session_id").distinct();
    long orphans = ids.join(sessions.select("session_id"), "session_id", "left_anti").count();
    return exact(CheckName.SESSIONS_EXIST, orphans, orphans + " session ids of the day's events not in sessions");
  }

  private CheckResult share(CheckName check, Dataset<Row> rows, Column condition, String what) {
    Row r = rows.agg(count(lit(1)), sum(when(condition, 1L).otherwise(0L))).first();
    long all = r.getLong(0);
    long matching = r.isNullAt(1) ? 0 : r.getLong(1);
    double share = all == 0 ? 0 : (double) matching / all;
    return result(check, share, share <= settings(check).threshold(), matching + " of " + all + " events " + what);
  }

  private CheckResult exact(CheckName check, long observed, String detail) {
    CurationConfig.CheckSettings s = settings(check);
    return new CheckResult(check, s.severity(), observed, 0, observed == 0, detail);
  }

  private CheckResult result(CheckName check, double observed, boolean passed, String detail) {
    CurationConfig.CheckSettings s = settings(check);
    return new CheckResult(check, s.severity(), observed, s.threshold(), passed, detail);
  }

  private CurationConfig.CheckSettings settings(CheckName check) {
    return config.check(check);
  }

}
