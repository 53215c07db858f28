package dev.millrace.enrichment.config;

/** A configuration value is out of range or inconsistent; the message names the key. */
public final class InvalidConfigException extends IllegalArgumentException {

  public InvalidConfigException(String message) {
    super(message);
  }

  public InvalidConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
