package dev.millrace.localstack;

/** A server could not be started or used; the message names its log and quotes its last lines. */
public class LocalStackException extends RuntimeException {

  public LocalStackException(String message, Throwable cause) {
    super(message, cause);
  }
}
