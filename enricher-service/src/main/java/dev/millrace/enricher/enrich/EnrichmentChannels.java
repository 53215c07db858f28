package dev.millrace.enricher.enrich;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Builds the channel to the enrichment API, with its retry policy declared as a service config. */
public final class EnrichmentChannels {

  private static final String SERVICE = "millrace.v1.EnrichmentService";

  private EnrichmentChannels() {}

  /**
   * A service config that retries UNAVAILABLE with gRPC's own jittered exponential backoff. The
   * call's deadline bounds all attempts; a call still failing is the enricher's cue to back off
   * longer (see the README).
   */
  public static Map<String, Object> serviceConfig(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    Map<String, Object> retryPolicy = Map.of(
        "maxAttempts", (double) maxAttempts,
        "initialBackoff", seconds(initialBackoff),
        "maxBackoff", seconds(maxBackoff),
        "backoffMultiplier", 2.0,
        "retryableStatusCodes", List.of("UNAVAILABLE"));
    Map<String, Object> methodConfig = Map.of(
        "name", List.of(Map.of("service", SERVICE)),
        "retryPolicy", retryPolicy);
    return Map.of("methodConfig", List.of(methodConfig));
  }

  /** A plaintext channel to {@code target} (e.g. "localhost:9091" or "dns:///enrichment:9091"). */
  public static ManagedChannel plaintext(String target, int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    return ManagedChannelBuilder.forTarget(target)
        .usePlaintext()
        .defaultServiceConfig(serviceConfig(maxAttempts, initialBackoff, maxBackoff))
        .enableRetry()
        .build();
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.3fs", d.toNanos() / 1e9);
  }
}
