package dev.millrace.curation.catalog;

import dev.millrace.proto.columns.EventColumn;
import dev.millrace.proto.columns.EventColumns;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The columns of the curated {@code events} table: every column of the flat event that has a curated
 * name ({@link EventColumn#curated()}; personal data never has one), under that name, in the flat
 * event's order, and the columns the job computes, each placed after the column it is computed from.
 * A new field of the wire contract reaches this table by naming it in {@link EventColumns}, and
 * nowhere else.
 */
public final class EventsTable {

  /**
   * One column of the table.
   *
   * @param source the flat event's column it is read from, or {@code null} when the job computes it
   */
  public record Column(String name, String sqlType, String comment, String source) {

    public boolean computed() {
      return source == null;
    }
  }

  /** A computed column: its type, what it is, and the curated column it follows ({@code null}: first). */
  private record Computed(String name, String sqlType, String comment, String after) {}

  private static final List<Computed> COMPUTED = List.of(
      new Computed("ds", "date", "day of the raw partition the event was read from (received_at day by default, "
          + "occurred_at day when the batch loader partitions by it)", null),
      new Computed("late", "boolean", "occurred_at is more than late.after before received_at", "enriched_at"),
      new Computed("page_host", "string", "host of page_url", "page_url"),
      new Computed("page_path", "string", "path of page_url", "page_host"),
      new Computed("session_id", "string",
          "session of the anonymous id (sessions.session_id); null without an anonymous id", "anonymous_id"));

  /** Every column, in table order. */
  public static final List<Column> COLUMNS = build();

  private EventsTable() {}

  /** Spark SQL column list, {@code name type COMMENT '...'} per column. */
  public static String ddl() {
    return COLUMNS.stream()
        .map(c -> c.name() + " " + c.sqlType() + " COMMENT '" + c.comment().replace("'", "\\'") + "'")
        .collect(Collectors.joining(",\n"));
  }

  private static List<Column> build() {
    List<Column> columns = new ArrayList<>();
    Map<String, List<Computed>> after = COMPUTED.stream().filter(c -> c.after() != null)
        .collect(Collectors.groupingBy(Computed::after));
    COMPUTED.stream().filter(c -> c.after() == null).forEach(c -> addWithFollowers(columns, computed(c), after));
    for (EventColumn column : EventColumns.ALL) {
      if (column.curated() != null) {
        addWithFollowers(columns, new Column(column.curated(), sqlType(column), column.doc(), column.name()), after);
      }
    }
    List<String> names = columns.stream().map(Column::name).toList();
    for (Computed c : COMPUTED) {
      if (!names.contains(c.name())) {
        throw new IllegalStateException("computed column " + c.name() + " follows " + c.after() + ", which is not a column");
      }
    }
    return List.copyOf(columns);
  }

  private static void addWithFollowers(List<Column> columns, Column column, Map<String, List<Computed>> after) {
    columns.add(column);
    for (Computed next : after.getOrDefault(column.name(), List.of())) {
      addWithFollowers(columns, computed(next), after);
    }
  }

  private static Column computed(Computed c) {
    return new Column(c.name(), c.sqlType(), c.comment(), null);
  }

  private static String sqlType(EventColumn column) {
    return switch (column.type()) {
      case STRING, JSON, ENUM_NAME -> "string";
      case TIMESTAMP -> "timestamp";
      case INT32 -> "int";
      case INT64 -> "bigint";
      case DOUBLE -> "double";
      case BOOLEAN -> "boolean";
      case STRING_LIST -> "array<string>";
    };
  }
}
