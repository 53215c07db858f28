package dev.millrace.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** What a benchmark gets: the run's scale and the rows measured so far. */
public final class BenchContext {

  private final double scale;
  private final List<Result> results = new ArrayList<>();

  public BenchContext(double scale) {
    this.scale = scale;
  }

  /** Multiplies item counts: 1.0 by default, smaller with {@code --scale 0.1} for a quick run. */
  public double scale() {
    return scale;
  }

  /** {@code n} scaled, at least 1. */
  public int scaled(int n) {
    return Math.max(1, (int) Math.round(n * scale));
  }

  public List<Result> results() {
    return Collections.unmodifiableList(results);
  }

  public Optional<Result> result(String row) {
    return results.stream().filter(r -> r.row().equals(row)).findFirst();
  }

  void add(Result result) {
    results.add(result);
  }
}
