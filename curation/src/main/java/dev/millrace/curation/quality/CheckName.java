package dev.millrace.curation.quality;

/**
 * The data-quality checks, declared once: the configuration keys
 * ({@code millrace.curation.check.<key>.severity|threshold}), the dry-run plan and the README read
 * this list.
 */
public enum CheckName {
  REQUIRED_COLUMNS("required_columns", "events", false,
      "rows of the day with a null event_id, event_type, received_at, payload_json or lineage column; must be 0"),
  UNIQUE_EVENT_ID("unique_event_id", "events", false,
      "event ids of the day that occur twice in the day or also in the lookback days; must be 0"),
  CONSERVATION("conservation", "events", false,
      "input rows - (rows written + duplicates removed); must be exactly 0"),
  VOLUME("volume", "events", true,
      "|rows / trailing average of the same weekday - 1|; at most the threshold (passes without history)"),
  BOT_SHARE("bot_share", "events", true, "share of the day's events flagged as bots; at most the threshold"),
  LATE_SHARE("late_share", "events", true, "share of the day's events that are late; at most the threshold"),
  SESSIONS_EXIST("sessions_exist", "sessions", false,
      "session ids of the day's events that have no row in sessions; must be 0");

  private final String key;
  private final String table;
  private final boolean hasThreshold;
  private final String description;

  CheckName(String key, String table, boolean hasThreshold, String description) {
    this.key = key;
    this.table = table;
    this.hasThreshold = hasThreshold;
    this.description = description;
  }

  /** The configuration key and the name in {@code dq_results}. */
  public String key() {
    return key;
  }

  /** The table the check needs; it runs only when the run builds that table. */
  public String table() {
    return table;
  }

  /** Whether {@code threshold} is configurable; the others must be exactly 0. */
  public boolean hasThreshold() {
    return hasThreshold;
  }

  public String description() {
    return description;
  }
}
