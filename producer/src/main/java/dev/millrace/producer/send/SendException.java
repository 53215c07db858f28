package dev.millrace.producer.send;

/**
 * A request that got no per-event answer: an HTTP error status, a gRPC status other than OK, a
 * timeout or a connection failure. {@link #kind()} is short and stable, for the summary's counts.
 */
public final class SendException extends Exception {

  private final String kind;

  public SendException(String kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public SendException(String kind, String message) {
    this(kind, message, null);
  }

  /** e.g. "http 503", "grpc UNAVAILABLE", "timeout", "connect". */
  public String kind() {
    return kind;
  }
}
