package dev.millrace.realtime.index;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Time-based index names: {@code <prefix>-<date>} in UTC, e.g. {@code millrace-events-2026.11.20}.
 * The pattern decides the period ({@code yyyy.MM.dd} daily, {@code yyyy.MM} monthly).
 */
public final class IndexNaming {

  private final DateTimeFormatter format;

  public IndexNaming(String datePattern) {
    this.format = DateTimeFormatter.ofPattern(datePattern, Locale.ROOT).withZone(ZoneOffset.UTC);
  }

  public String indexName(String prefix, Instant time) {
    // Elasticsearch index names are lower case; a pattern with month names must not break them.
    return (prefix + "-" + format.format(time)).toLowerCase(Locale.ROOT);
  }

  /** The index pattern a template matches for this prefix. */
  public static String pattern(String prefix) {
    return prefix + "-*";
  }
}
