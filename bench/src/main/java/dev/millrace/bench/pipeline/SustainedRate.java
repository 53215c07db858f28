package dev.millrace.bench.pipeline;

import java.util.List;

/**
 * The pipeline's sustained rate from counts sampled during a saturated run: events per second that
 * reached <em>both</em> ends (searchable in Elasticsearch, rows on S3) over a window that leaves out
 * the ramp-up. Counting at the ends, not at the collector, is what makes it the pipeline's rate: the
 * collector alone takes events faster than the enricher and the loaders pass them on.
 */
public final class SustainedRate {

  /**
   * Counts at one moment.
   *
   * @param nanos monotonic time
   * @param searchable events searchable so far
   * @param onS3 rows on S3 so far (the batch loader's uploaded rows)
   */
  public record Sample(long nanos, long searchable, long onS3) {}

  private SustainedRate() {}

  /**
   * Events/s at the slower end between the first sample at or after {@code fromNanos} and the last
   * sample; NaN with fewer than two samples in the window.
   */
  public static double of(List<Sample> samples, long fromNanos) {
    Sample first = null;
    Sample last = null;
    for (Sample s : samples) {
      if (s.nanos() < fromNanos) continue;
      if (first == null) first = s;
      last = s;
    }
    if (first == null || last == first || last.nanos() == first.nanos()) return Double.NaN;
    double seconds = (last.nanos() - first.nanos()) / 1e9;
    return Math.min(last.searchable() - first.searchable(), last.onS3() - first.onS3()) / seconds;
  }
}
