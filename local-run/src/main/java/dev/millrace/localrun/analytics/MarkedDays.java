package dev.millrace.localrun.analytics;

import java.time.LocalDate;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which days the batch loader has marked whole: all 24 of
 * {@code <prefix>/_markers/dt=D/hour=HH/_SUCCESS} (batch-loader/README.md, "Completeness markers").
 * Only such a day is curated without {@code --allow-incomplete}. Pure, over the listed keys.
 */
public final class MarkedDays {

  private static final Pattern MARKER = Pattern.compile("_markers/dt=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/_SUCCESS$");

  private MarkedDays() {}

  /** Marked hours per day, from the bucket's keys under {@code <prefix>/_markers/}. */
  public static Map<LocalDate, Integer> hoursMarked(Collection<String> keys, String prefix) {
    Map<LocalDate, Set<Integer>> hours = new HashMap<>();
    for (String key : keys) {
      if (!key.startsWith(prefix + "/_markers/")) continue;
      Matcher m = MARKER.matcher(key);
      if (m.find()) {
        hours.computeIfAbsent(LocalDate.parse(m.group(1)), d -> new HashSet<>()).add(Integer.parseInt(m.group(2)));
      }
    }
    Map<LocalDate, Integer> counts = new HashMap<>();
    hours.forEach((day, h) -> counts.put(day, h.size()));
    return counts;
  }

  /** The days with all 24 hours marked. */
  public static SortedSet<LocalDate> whole(Collection<String> keys, String prefix) {
    SortedSet<LocalDate> days = new TreeSet<>();
    hoursMarked(keys, prefix).forEach((day, n) -> {
      if (n == 24) days.add(day);
    });
    return days;
  }

  /** The demo's whole past days: the {@code days} days before {@code today} (UTC), oldest first. */
  public static SortedSet<LocalDate> demoDays(LocalDate today, int days) {
    SortedSet<LocalDate> all = new TreeSet<>();
    for (int i = days; i >= 1; i--) {
      all.add(today.minusDays(i));
    }
    return all;
  }
}
