package dev.millrace.localrun.analytics;

import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/**
 * What the progress display shows of the curated side: per demo day how far it got, rows per
 * curated table (from Trino) and the last published {@code ds}.
 *
 * @param days per demo day, e.g. "12/24 hours marked", "curating", "published", "failed (exit 4)"
 * @param rows rows per curated table, in the catalogue's order; empty before the first publish
 * @param lastPublished the latest {@code ds} with a PUBLISHED run, or null
 */
public record CuratedState(SortedMap<LocalDate, String> days, Map<String, Long> rows, LocalDate lastPublished) {

  /** The two lines of the display; pure. */
  public List<String> lines() {
    StringBuilder perDay = new StringBuilder();
    days.forEach((day, state) -> perDay.append(perDay.length() == 0 ? "" : " · ").append(day).append(' ').append(state));
    String tables = rows.isEmpty() ? "none yet"
        : String.join(" · ", rows.entrySet().stream()
            .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).toList());
    return List.of(
        String.format(Locale.ROOT, "  curation       %s", perDay.length() == 0 ? "no demo days" : perDay),
        String.format(Locale.ROOT, "  curated rows   %s · last published ds %s", tables,
            lastPublished == null ? "none" : lastPublished));
  }
}
