package dev.millrace.curation.input;

import java.time.LocalDate;
import java.util.List;

/**
 * What a run of one day reads: the hours the batch loader marked complete, with their manifests,
 * and what it does not.
 *
 * @param hours the marked hours, in order
 * @param missingHours hours of the day without a marker
 * @param unlistedFiles Parquet files under the day that no manifest names (late writes); ignored
 */
public record InputPlan(LocalDate ds, List<MarkedHour> hours, List<Integer> missingHours, List<String> unlistedFiles) {

  /**
   * One marked hour.
   *
   * @param manifest the {@code _SUCCESS} object's URI
   * @param sha256 hex SHA-256 of the manifest's bytes, recorded in {@code curation_runs}
   * @param files the data files it names, as URIs
   */
  public record MarkedHour(int hour, String manifest, String sha256, List<String> files) {}

  public boolean complete() {
    return missingHours.isEmpty();
  }

  public List<String> files() {
    return hours.stream().flatMap(h -> h.files().stream()).toList();
  }

  /** The message a run without {@code --allow-incomplete} fails with. */
  public String missingMessage() {
    return "ds " + ds + " is not complete: no batch-loader marker (_markers/dt=" + ds + "/hour=HH/_SUCCESS) for hour"
        + (missingHours.size() == 1 ? " " : "s ") + missingHours.stream().map(h -> String.format("%02d", h)).toList()
        + "; wait for the loader, or run with --allow-incomplete to build a partial day";
  }
}
