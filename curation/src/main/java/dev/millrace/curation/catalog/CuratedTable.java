package dev.millrace.curation.catalog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The analysts' tables, declared once: name, what each depends on, how a run writes it, its
 * partitioning and its columns. The CLI's {@code --tables}, the dry-run plan, the tests and the
 * README's table list all read this declaration.
 *
 * <p>Declaration order is a valid build order: a table only depends on tables above it.
 */
public enum CuratedTable {

  EVENTS("events", Write.OVERWRITE_DAY, "ds, event_type", List.of(), TableSchemas.EVENTS,
      "one row per event_id, flattened and typed; duplicates removed"),
  SESSIONS("sessions", Write.UPSERT_BY_KEY, "ds", List.of("events"), TableSchemas.SESSIONS,
      "one row per session of an anonymous id (a new one after the inactivity gap); ds = the day it started"),
  USERS("users", Write.REPLACE_ALL, "", List.of("events", "sessions"), TableSchemas.USERS,
      "one row per user (pseudonymised user id, else anonymous id), over all published history"),
  DAILY_METRICS("daily_metrics", Write.OVERWRITE_DAY, "ds", List.of("events", "sessions"), TableSchemas.DAILY_METRICS,
      "per ds, event type and source: events, users, sessions, bounce rate, median session length"),
  FUNNEL_DAILY("funnel_daily", Write.OVERWRITE_DAY, "ds", List.of("events", "sessions"), TableSchemas.FUNNEL_DAILY,
      "page_view -> add_to_cart -> purchase sessions and conversion per ds, source and campaign");

  /** How a run for one day replaces what the table held. */
  public enum Write {
    /** The day's partition is replaced as a whole. */
    OVERWRITE_DAY,
    /**
     * Rows are upserted by key: sessions may continue across midnight, so a row of an earlier day
     * (within the lookback) changes.
     */
    UPSERT_BY_KEY,
    /** The whole table is recomputed from the published history. */
    REPLACE_ALL
  }

  private final String tableName;
  private final Write write;
  private final String partitionedBy;
  private final List<String> dependsOn;
  private final String schema;
  private final String description;

  CuratedTable(String tableName, Write write, String partitionedBy, List<String> dependsOn, String schema,
      String description) {
    this.tableName = tableName;
    this.write = write;
    this.partitionedBy = partitionedBy;
    this.dependsOn = dependsOn;
    this.schema = schema;
    this.description = description;
  }

  public String tableName() {
    return tableName;
  }

  public Write write() {
    return write;
  }

  /** Comma-separated partition columns, empty when unpartitioned. */
  public String partitionedBy() {
    return partitionedBy;
  }

  public List<CuratedTable> dependsOn() {
    return dependsOn.stream().map(CuratedTable::named).toList();
  }

  /** Spark SQL column list, {@code name type COMMENT '...'} per column. */
  public String schema() {
    return schema;
  }

  public String description() {
    return description;
  }

  /** The table of that name, or an exception listing the known names. */
  public static CuratedTable named(String name) {
    for (CuratedTable t : values()) {
      if (t.tableName.equals(name.trim().toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown table '" + name.trim() + "'; the tables are "
        + Arrays.stream(values()).map(CuratedTable::tableName).collect(Collectors.joining(", ")));
  }

  /**
   * The tables to build for a selection: the selected ones and everything they depend on, in build
   * order. An empty selection means every table.
   */
  public static List<CuratedTable> closure(Collection<String> selected) {
    if (selected.isEmpty()) {
      return List.of(values());
    }
    Set<CuratedTable> wanted = EnumSet.noneOf(CuratedTable.class);
    List<CuratedTable> todo = new ArrayList<>();
    for (String name : selected) {
      todo.add(named(name));
    }
    while (!todo.isEmpty()) {
      CuratedTable t = todo.remove(todo.size() - 1);
      if (wanted.add(t)) {
        todo.addAll(t.dependsOn());
      }
    }
    return new ArrayList<>(new LinkedHashSet<>(wanted)); // EnumSet iterates in declaration order
  }
}
