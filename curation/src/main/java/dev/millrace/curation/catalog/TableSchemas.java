package dev.millrace.curation.catalog;

/**
 * Column lists of the curated and bookkeeping tables, as Spark SQL DDL with a comment per column
 * (Iceberg keeps the comments as column docs, so Trino's {@code DESCRIBE} and Superset show them).
 * Times are UTC {@code timestamp} (Iceberg {@code timestamptz}); the session time zone is UTC.
 *
 * <p>Columns are declared optional: which must be complete is a data-quality check
 * ({@code required_columns}) with a report, not a write that fails on the first null.
 */
public final class TableSchemas {

  /** The curated events: see {@link EventsTable}, which derives them from the flat event's columns. */
  public static final String EVENTS = EventsTable.ddl();

  public static final String SESSIONS = """
      ds date COMMENT 'day the session started (UTC)',
      session_id string COMMENT 'deterministic id: hash of the anonymous id and the first event id',
      anonymous_id string COMMENT 'the anonymous id the session belongs to',
      user_id string COMMENT 'last pseudonymised user id seen in the session',
      started_at timestamp COMMENT 'occurred_at of the first event',
      ended_at timestamp COMMENT 'occurred_at of the last event',
      duration_seconds bigint COMMENT 'ended_at - started_at',
      events bigint COMMENT 'events in the session',
      page_views bigint COMMENT 'page_view events in the session',
      entry_page string COMMENT 'page_path of the first event',
      exit_page string COMMENT 'page_path of the last event',
      source string COMMENT 'source of the first event',
      referrer_class string COMMENT 'referrer class of the first event',
      referrer_host string COMMENT 'referrer host of the first event',
      utm_source string COMMENT 'utm_source of the first event',
      utm_medium string COMMENT 'utm_medium of the first event',
      utm_campaign string COMMENT 'utm_campaign of the first event',
      device_class string COMMENT 'device class of the first event',
      bounced boolean COMMENT 'the session has a single event',
      converted boolean COMMENT 'the session has a purchase',
      purchases bigint COMMENT 'purchase events',
      revenue decimal(18,2) COMMENT 'sum of purchase payload total (currencies not converted)'
      """;

  public static final String USERS = """
      user_key string COMMENT 'pseudonymised user id, or the anonymous id for users never identified',
      user_id string COMMENT 'pseudonymised user id, null for anonymous users',
      first_seen timestamp COMMENT 'occurred_at of the first event',
      last_seen timestamp COMMENT 'occurred_at of the last event',
      first_source string COMMENT 'source of the first event',
      sessions bigint COMMENT 'sessions',
      events bigint COMMENT 'events',
      purchases bigint COMMENT 'purchase events',
      revenue decimal(18,2) COMMENT 'sum of purchase payload total (currencies not converted)'
      """;

  public static final String DAILY_METRICS = """
      ds date COMMENT 'day',
      event_type string COMMENT 'event type',
      source string COMMENT 'source',
      events bigint COMMENT 'events',
      users bigint COMMENT 'distinct users (user id, else anonymous id)',
      sessions bigint COMMENT 'distinct sessions with such an event',
      bounce_rate double COMMENT 'share of those sessions that bounced',
      median_session_seconds double COMMENT 'median duration of those sessions',
      partial boolean COMMENT 'the run read a day with unmarked hours (--allow-incomplete)'
      """;

  public static final String FUNNEL_DAILY = """
      ds date COMMENT 'day',
      source string COMMENT 'source of the session',
      utm_campaign string COMMENT 'campaign of the session',
      sessions bigint COMMENT 'sessions with an event that day',
      page_view_sessions bigint COMMENT 'sessions with a page_view',
      add_to_cart_sessions bigint COMMENT 'sessions with a page_view and an add_to_cart',
      purchase_sessions bigint COMMENT 'sessions with a page_view, an add_to_cart and a purchase',
      view_to_cart_rate double COMMENT 'add_to_cart_sessions / page_view_sessions',
      cart_to_purchase_rate double COMMENT 'purchase_sessions / add_to_cart_sessions',
      view_to_purchase_rate double COMMENT 'purchase_sessions / page_view_sessions',
      revenue decimal(18,2) COMMENT 'purchase revenue of these sessions that day (currencies not converted)',
      partial boolean COMMENT 'the run read a day with unmarked hours (--allow-incomplete)'
      """;

  /** Every check of every run, appended whether the run published or not. */
  public static final String DQ_RESULTS = """
      run_id string COMMENT 'the run',
      ds date COMMENT 'the day the run built',
      table_name string COMMENT 'table the check is about',
      check_name string COMMENT 'check',
      severity string COMMENT 'BLOCKING or WARN',
      observed double COMMENT 'measured value',
      threshold double COMMENT 'limit it is compared with',
      outcome string COMMENT 'PASS, WARN or FAIL',
      detail string COMMENT 'what was compared, in words',
      checked_at timestamp COMMENT 'wall clock of the check (bookkeeping only)'
      """;

  /** One row per run: what it read, what it published. */
  public static final String CURATION_RUNS = """
      run_id string COMMENT 'the run',
      ds date COMMENT 'the day',
      status string COMMENT 'PUBLISHED, CHECKS_FAILED or FAILED',
      tables array<string> COMMENT 'tables the run built',
      partial boolean COMMENT 'hours without a marker were allowed (--allow-incomplete)',
      missing_hours array<int> COMMENT 'hours of ds without a marker',
      inputs array<struct<hour:int,manifest:string,sha256:string,files:int>> COMMENT 'hour manifests read, with checksums',
      unlisted_files array<string> COMMENT 'files under ds not named by any manifest (ignored)',
      input_rows bigint COMMENT 'rows read',
      duplicates_removed bigint COMMENT 'rows dropped as duplicates',
      output_rows map<string,bigint> COMMENT 'rows written per table',
      snapshots map<string,bigint> COMMENT 'snapshot id published per table',
      started_at timestamp COMMENT 'wall clock (bookkeeping only)',
      finished_at timestamp COMMENT 'wall clock (bookkeeping only)',
      message string COMMENT 'why it failed, when it did'
      """;

  private TableSchemas() {}
}
