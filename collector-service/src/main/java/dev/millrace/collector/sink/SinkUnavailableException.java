package dev.millrace.collector.sink;

/**
 * Kafka cannot take the request now: the in-flight cap is reached, the broker is unreachable, or a
 * send failed. The caller answers 503 / UNAVAILABLE and claims nothing accepted; the producer retries
 * (events are deduplicated downstream by event id, so a retry after a partial write is safe).
 */
public final class SinkUnavailableException extends RuntimeException {

  /** Why, for metrics and the problem document. */
  public enum Cause { IN_FLIGHT_CAP, BROKER_UNREACHABLE, SEND_FAILED }

  private final Cause kind;

  public SinkUnavailableException(Cause kind, String message, Throwable cause) {
    super(message, cause, false, false);
    this.kind = kind;
  }

  public Cause kind() {
    return kind;
  }
}
