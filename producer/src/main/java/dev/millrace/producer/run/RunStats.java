package dev.millrace.producer.run;

import dev.millrace.producer.traffic.GeneratedEvent;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.EventStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** Counts of a run, updated from the sending threads; prints the summary. */
public final class RunStats {

  private final Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toNanos(5), 3);
  private final Map<String, Long> rejectedByReason = new TreeMap<>();
  private final Map<String, Long> errorsByKind = new TreeMap<>();
  private final Map<String, Long> eventsByTransport = new TreeMap<>();
  private long requests;
  private long sent;
  private long accepted;
  private long rejected;
  private long errored;
  private long invalidAccepted;
  private long validRejected;
  private long duplicates;
  private String lastError;

  synchronized void record(Delivery delivery) {
    latency.recordValue(Math.min(delivery.latencyNanos(), latency.getHighestTrackableValue()));
    requests++;
    sent += delivery.events().size();
    eventsByTransport.merge(delivery.transport(), (long) delivery.events().size(), Long::sum);
    for (GeneratedEvent event : delivery.events()) {
      if (event.duplicate()) duplicates++;
    }
    if (delivery.failed()) {
      errored += delivery.events().size();
      errorsByKind.merge(delivery.errorKind(), 1L, Long::sum);
      lastError = delivery.errorMessage();
      return;
    }
    for (EventResult result : delivery.result().getResultsList()) {
      GeneratedEvent event = result.getIndex() < delivery.events().size()
          ? delivery.events().get(result.getIndex()) : null;
      if (result.getStatus() == EventStatus.EVENT_STATUS_ACCEPTED) {
        accepted++;
        if (event != null && !event.valid()) invalidAccepted++;
      } else {
        rejected++;
        rejectedByReason.merge(result.getReason().name(), 1L, Long::sum);
        if (event != null && event.valid()) validRejected++;
      }
    }
  }

  public synchronized long sent() { return sent; }
  public synchronized long accepted() { return accepted; }
  public synchronized long rejected() { return rejected; }
  /** Events whose request failed as a whole (no per-event answer). */
  public synchronized long errored() { return errored; }
  public synchronized long requests() { return requests; }
  public synchronized Map<String, Long> rejectedByReason() { return new TreeMap<>(rejectedByReason); }
  public synchronized Map<String, Long> errorsByKind() { return new TreeMap<>(errorsByKind); }

  /** Request latency percentile in milliseconds. */
  public synchronized double latencyMillis(double percentile) {
    return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1e6;
  }

  public synchronized void print(PrintStream out, Duration elapsed) {
    double seconds = Math.max(elapsed.toNanos() / 1e9, 1e-9);
    out.printf(Locale.ROOT, "sent      %,10d events in %,d requests over %.1f s (%,.0f events/s)%n",
        sent, requests, seconds, sent / seconds);
    eventsByTransport.forEach((t, n) -> out.printf(Locale.ROOT, "  %-7s %,10d events%n", t, n));
    out.printf(Locale.ROOT, "accepted  %,10d%n", accepted);
    out.printf(Locale.ROOT, "rejected  %,10d%n", rejected);
    rejectedByReason.forEach((r, n) -> out.printf(Locale.ROOT, "  %-24s %,8d%n", r, n));
    out.printf(Locale.ROOT, "errors    %,10d events%n", errored);
    errorsByKind.forEach((k, n) -> out.printf(Locale.ROOT, "  %-24s %,8d requests%n", k, n));
    if (lastError != null) {
      out.println("  last error: " + lastError);
    }
    out.printf(Locale.ROOT, "duplicates%,10d resent event ids%n", duplicates);
    out.printf(Locale.ROOT, "latency   p50 %.1f ms, p99 %.1f ms, max %.1f ms per request%n",
        latencyMillis(50), latencyMillis(99), latency.getMaxValue() / 1e6);
    if (invalidAccepted > 0 || validRejected > 0) {
      // The generator knows which events it broke; a mismatch means the collector's checks differ.
      out.printf(Locale.ROOT, "note: %d events broken on purpose were accepted, %d valid ones rejected%n",
          invalidAccepted, validRejected);
    }
  }
}
