package dev.millrace.curation.quality;

/**
 * One check's outcome for one run.
 *
 * @param observed the measured value
 * @param threshold the limit it was held to
 * @param passed whether the value is within the limit
 */
public record CheckResult(CheckName check, Severity severity, double observed, double threshold, boolean passed,
    String detail) {

  /** {@code PASS}, {@code WARN} (failed, warn-only) or {@code FAIL} (failed, blocking). */
  public String outcome() {
    if (passed) {
      return "PASS";
    }
    return severity == Severity.WARN ? "WARN" : "FAIL";
  }

  /** Whether this result stops the publish. */
  public boolean blocks() {
    return !passed && severity == Severity.BLOCKING;
  }

  /** One line for the report: check, value, threshold, outcome. */
  public String describe() {
    return String.format(java.util.Locale.ROOT, "%-6s %-17s observed %s, threshold %s (%s): %s", outcome(),
        check.key(), format(observed), format(threshold), severity, detail);
  }

  private static String format(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.4f", v);
  }
}
