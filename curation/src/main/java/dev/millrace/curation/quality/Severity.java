package dev.millrace.curation.quality;

/** What a failed check does to the run. */
public enum Severity {
  /** A failure stops the publish: the run exits non-zero and the published tables stay as they were. */
  BLOCKING,
  /** A failure is reported (outcome {@code WARN}) and the run publishes. */
  WARN
}
