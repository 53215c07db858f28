package dev.millrace.bench.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the curve drives the pipeline: for each fraction of the measured maximum, a steady rate, a
 * batch size and how often a batch carries a probe. Pure arithmetic, so it is unit-tested.
 *
 * <p>Batches are sized for about {@link #REQUESTS_PER_SECOND} requests a second (at least 1 event,
 * at most 100, the collector's batch size elsewhere in the bench): at a low rate a batch of 100
 * would wait seconds to fill and hold its events back together, and at a high rate single events
 * would cost a request each. The sender is scheduled, not slept (the producer's {@code LoadRun}:
 * batch {@code n} is due at {@code start + events before it / rate}), so a slow answer does not
 * lower the rate. Probes are the first accepted event of every {@code probeEvery}-th request,
 * aiming at {@link #PROBES_PER_SECOND} a second: enough for a p99 over a 20-30 s step.
 */
public final class Pacing {

  public static final double REQUESTS_PER_SECOND = 20;
  public static final double PROBES_PER_SECOND = 10;
  public static final int MAX_BATCH = 100;

  /**
   * One step of the curve.
   *
   * @param label e.g. "idle" or "50%"
   * @param fraction of the maximum sustained rate; 0 for idle (probes only)
   * @param rate events per second to send
   * @param duration how long to send
   * @param batchSize events per request
   * @param probeEvery every how many requests one carries a probe
   */
  public record Step(String label, double fraction, double rate, Duration duration, int batchSize, int probeEvery) {}

  private Pacing() {}

  /** Events per request for a steady {@code rate}. */
  public static int batchSize(double rate) {
    return (int) Math.max(1, Math.min(MAX_BATCH, Math.round(rate / REQUESTS_PER_SECOND)));
  }

  /** Every how many requests one carries a probe, at {@code rate} with batches of {@code batchSize}. */
  public static int probeEvery(double rate, int batchSize) {
    double requestsPerSecond = rate / batchSize;
    return (int) Math.max(1, Math.floor(requestsPerSecond / PROBES_PER_SECOND));
  }

  /**
   * The steps: "idle" (probes only: one single-event request every 1/{@link #PROBES_PER_SECOND} s,
   * the latency an event gets on a quiet pipeline), then each fraction of {@code maxRate}.
   *
   * @param stepSeconds seconds per step at scale 1; multiplied by {@code scale}, at least 5 s
   */
  public static List<Step> steps(double maxRate, List<Double> fractions, double stepSeconds, double scale) {
    if (!(maxRate > 0)) throw new IllegalArgumentException("the maximum rate must be positive, was " + maxRate);
    Duration duration = Duration.ofMillis(Math.max(5_000, Math.round(stepSeconds * scale * 1000)));
    List<Step> steps = new ArrayList<>();
    steps.add(new Step("idle", 0, PROBES_PER_SECOND, duration, 1, 1));
    for (double f : fractions) {
      double rate = f * maxRate;
      int batch = batchSize(rate);
      steps.add(new Step(Math.round(f * 100) + "%", f, rate, duration, batch, probeEvery(rate, batch)));
    }
    return steps;
  }
}
