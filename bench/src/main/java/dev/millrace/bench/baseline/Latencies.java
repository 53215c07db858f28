package dev.millrace.bench.baseline;

import java.util.Arrays;

/** Latency samples in nanoseconds; percentiles in milliseconds. */
final class Latencies {

  private long[] samples;
  private int size;

  Latencies(int expected) {
    samples = new long[Math.max(16, expected)];
  }

  synchronized void add(long nanos) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = nanos;
  }

  /** The {@code p}-th percentile (0-100, nearest rank) in ms, NaN without samples. */
  synchronized double percentileMillis(double p) {
    if (size == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(samples, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * size);
    return sorted[Math.min(size, Math.max(1, rank)) - 1] / 1_000_000.0;
  }
}
