package dev.millrace.localrun;

/**
 * A failure the user can act on (a port taken, a service that did not become ready): its message is
 * printed as is, without a stack trace.
 */
public final class LaunchException extends RuntimeException {

  public LaunchException(String message) {
    super(message);
  }

  public LaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
