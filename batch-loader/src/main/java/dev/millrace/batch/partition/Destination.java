package dev.millrace.batch.partition;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hive partition a record goes to: {@code event_type=<t>/dt=<yyyy-MM-dd>/hour=<HH>}, the layout
 * Trino's Hive connector discovers with {@code sync_partition_metadata}. Hours are UTC.
 *
 * @param eventType the event's type, as sent
 * @param hourStartMillis start of the UTC hour, epoch milliseconds
 */
public record Destination(String eventType, long hourStartMillis) {

  /** Hive's name for a partition whose value is empty. */
  static final String HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";
  static final long HOUR_MILLIS = 3_600_000L;
  private static final DateTimeFormatter DT = DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT);
  private static final Pattern DIR = Pattern.compile(
      "event_type=([^/]+)/dt=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})");

  public Destination {
    if (Math.floorMod(hourStartMillis, HOUR_MILLIS) != 0) {
      throw new IllegalArgumentException("not the start of an hour: " + hourStartMillis);
    }
  }

  /** The destination of a record of {@code eventType} at {@code epochMillis}. */
  public static Destination of(String eventType, long epochMillis) {
    return new Destination(eventType, hourStart(epochMillis));
  }

  public static long hourStart(long epochMillis) {
    return Math.floorDiv(epochMillis, HOUR_MILLIS) * HOUR_MILLIS;
  }

  public long hourEndMillis() {
    return hourStartMillis + HOUR_MILLIS;
  }

  /** {@code event_type=<t>/dt=<d>/hour=<HH>}, with the type escaped as Hive escapes path values. */
  public String directory() {
    return "event_type=" + escape(eventType) + "/" + hourDirectory(hourStartMillis);
  }

  /** {@code dt=<d>/hour=<HH>} of the hour starting at {@code hourStartMillis}. */
  public static String hourDirectory(long hourStartMillis) {
    ZonedDateTime t = Instant.ofEpochMilli(hourStartMillis).atZone(ZoneOffset.UTC);
    return String.format(Locale.ROOT, "dt=%s/hour=%02d", DT.format(t), t.getHour());
  }

  /** Parses the destination out of a key containing {@link #directory()}; null when there is none. */
  public static Destination parse(String key) {
    Matcher m = DIR.matcher(key);
    if (!m.find()) {
      return null;
    }
    String type = unescape(m.group(1));
    long hour = java.time.LocalDate.parse(m.group(2)).atStartOfDay(ZoneOffset.UTC).toInstant()
        .toEpochMilli() + Integer.parseInt(m.group(3)) * HOUR_MILLIS;
    return new Destination(type.equals(HIVE_DEFAULT_PARTITION) ? "" : type, hour);
  }

  /**
   * Hive's escaping of partition values ({@code FileUtils.escapePathName}): anything that would
   * break a path or a key=value pair becomes {@code %XX}. The collector only accepts lower snake
   * case types, so in practice nothing is escaped; a producer-controlled string still never
   * reaches a key unescaped.
   */
  static String escape(String value) {
    if (value.isEmpty()) {
      return HIVE_DEFAULT_PARTITION;
    }
    StringBuilder out = new StringBuilder(value.length());
    for (byte b : value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-';
      if (plain) {
        out.append(c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  static String unescape(String value) {
    if (value.indexOf('%') < 0) {
      return value;
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%' && i + 2 < value.length()) {
        bytes.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.write(c);
      }
    }
    return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
