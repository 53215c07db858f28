package dev.millrace.bench;

/**
 * One measured row.
 *
 * @param row what was measured, e.g. "kafka producer (acks=all, 1 KB)"
 * @param count items processed during the measurement
 * @param unit what an item is: "records", "docs", "events", "objects"
 * @param seconds wall-clock duration of the measurement
 * @param bytes payload bytes moved, or 0 when not meaningful
 * @param p50Millis median latency, or NaN when not measured
 * @param p99Millis 99th percentile latency, or NaN when not measured
 * @param baseline the row this one is compared to, or null
 * @param note free text: settings, cache hit ratio, target
 */
public record Result(String row, long count, String unit, double seconds, long bytes,
                     double p50Millis, double p99Millis, String baseline, String note) {

  public static Result throughput(String row, long count, String unit, double seconds, long bytes) {
    return new Result(row, count, unit, seconds, bytes, Double.NaN, Double.NaN, null, "");
  }

  public Result withLatency(double p50, double p99) {
    return new Result(row, count, unit, seconds, bytes, p50, p99, baseline, note);
  }

  public Result comparedTo(String baselineRow) {
    return new Result(row, count, unit, seconds, bytes, p50Millis, p99Millis, baselineRow, note);
  }

  public Result withNote(String text) {
    return new Result(row, count, unit, seconds, bytes, p50Millis, p99Millis, baseline, text);
  }

  public double perSecond() {
    return count / seconds;
  }

  public double megabytesPerSecond() {
    return bytes / seconds / (1024.0 * 1024.0);
  }
}
