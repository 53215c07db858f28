package dev.millrace.bench.pipeline;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Nearest-rank percentiles of a sample of latencies, as the bench's other latency rows compute them. */
public final class Percentiles {

  private final List<Long> sorted;

  public Percentiles(Collection<Long> values) {
    List<Long> copy = new ArrayList<>(values);
    copy.sort(null);
    this.sorted = List.copyOf(copy);
  }

  public int count() {
    return sorted.size();
  }

  /** The nearest-rank {@code p}th percentile (0 < p ≤ 100); NaN for an empty sample. */
  public double at(double p) {
    if (sorted.isEmpty()) return Double.NaN;
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
