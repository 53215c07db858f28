package dev.millrace.bench.pipeline;

import dev.millrace.bench.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the pipeline could reach if its stages only added up: the harmonic composition
 * {@code 1 / Σ(1/rate)} of the stage rows of the same run. Each event passes through every stage,
 * so on one machine whose cores the stages share, an event costs the sum of what each stage spends
 * on it; the composition is the rate at that summed cost (a pipeline whose stages ran on separate
 * machines could reach the slowest stage's rate instead, which is higher).
 */
public final class Composition {

  /** The stage rows composed, in pipeline order: collector REST, enricher, realtime loader, batch loader. */
  public static final List<String> STAGE_ROWS = List.of(
      "collector http, batches of 100 events",
      "enricher end to end (eos, real enrichment API)",
      "realtime loader (defaults)",
      "batch loader: kafka -> parquet -> s3 (1 KB events)");

  /**
   * @param rate the composed events/s, NaN when no stage row ran
   * @param rows the stage rows found in this run
   * @param missing the stage rows that did not run (not composed)
   */
  public record Composed(double rate, List<String> rows, List<String> missing) {}

  private Composition() {}

  /** {@code 1 / Σ(1/r)}; NaN for no rates. A rate ≤ 0 makes the composition 0. */
  public static double harmonic(List<Double> rates) {
    if (rates.isEmpty()) return Double.NaN;
    double sum = 0;
    for (double r : rates) {
      if (r <= 0) return 0;
      sum += 1 / r;
    }
    return 1 / sum;
  }

  /** The composition of whichever {@link #STAGE_ROWS} {@code lookup} finds. */
  public static Composed of(Function<String, Optional<Result>> lookup) {
    List<Double> rates = new ArrayList<>();
    List<String> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String row : STAGE_ROWS) {
      Optional<Result> r = lookup.apply(row);
      if (r.isPresent()) {
        rates.add(r.get().perSecond());
        found.add(row);
      } else {
        missing.add(row);
      }
    }
    return new Composed(harmonic(rates), List.copyOf(found), List.copyOf(missing));
  }
}
