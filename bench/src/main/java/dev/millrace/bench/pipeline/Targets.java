package dev.millrace.bench.pipeline;

import java.util.Locale;

/**
 * The pipeline's targets from issue #25, printed next to the figures so the table tells the reader
 * whether they are met. They are goals for later work, not assertions: the bench never fails on them.
 */
public final class Targets {

  /** Sustained pipeline rate, as a multiple of the harmonic composition of its stage rows. */
  public static final double RATE_VS_COMPOSITION = 0.5;
  /** Event-to-searchable p99 at 50% of the maximum sustained rate, ms. */
  public static final double SEARCHABLE_P99_AT_HALF_MS = 2000;
  /** Event-to-searchable p99 on an idle pipeline, ms. */
  public static final double SEARCHABLE_P99_IDLE_MS = 1200;

  private Targets() {}

  /** "PASS" when {@code measured} is at least {@code target}, "BELOW" when not, "n/a" when unknown. */
  public static String atLeast(double measured, double target) {
    if (Double.isNaN(measured)) return "n/a";
    return measured >= target ? "PASS" : "BELOW";
  }

  /** "PASS" when {@code measured} is at most {@code target}, "BELOW" when not, "n/a" when unknown. */
  public static String atMost(double measured, double target) {
    if (Double.isNaN(measured)) return "n/a";
    return measured <= target ? "PASS" : "BELOW";
  }

  /** e.g. "target >= 0.50x: BELOW (0.31x)". */
  public static String rateNote(double ratio) {
    if (Double.isNaN(ratio)) {
      return String.format(Locale.ROOT, "target >= %.2fx of the composition: n/a", RATE_VS_COMPOSITION);
    }
    return String.format(Locale.ROOT, "target >= %.2fx of the composition: %s (%.2fx)", RATE_VS_COMPOSITION,
        atLeast(ratio, RATE_VS_COMPOSITION), ratio);
  }
}
