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
  /** Whether a name can change within a second (a fraction-of-second letter): then nothing is reused. */
  private final boolean subSecond;
  /** The last name made: consecutive events mostly fall in the same second, so it is mostly reused. */
  private volatile Last last = new Last("", Long.MIN_VALUE, "");

  private record Last(String prefix, long epochSecond, String name) {}

  public IndexNaming(String datePattern) {
    this.format = DateTimeFormatter.ofPattern(datePattern, Locale.ROOT).withZone(ZoneOffset.UTC);
    this.subSecond = datePattern.chars().anyMatch(c -> "SnNA".indexOf(c) >= 0);
  }

  public String indexName(String prefix, Instant time) {
    Last cached = last;
    if (!subSecond && cached.epochSecond() == time.getEpochSecond() && cached.prefix().equals(prefix)) {
      return cached.name();
    }
    // Elasticsearch index names are lower case; a pattern with month names must not break them.
    String name = (prefix + "-" + format.format(time)).toLowerCase(Locale.ROOT);
    last = new Last(prefix, time.getEpochSecond(), name);
    return name;
  }

  /** The index pattern a template matches for this prefix. */
  public static String pattern(String prefix) {
    return prefix + "-*";
  }
}
