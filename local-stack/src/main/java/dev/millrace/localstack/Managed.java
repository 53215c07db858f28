package dev.millrace.localstack;

/** A server the {@link LocalStack} stops for good at the end of the run. */
interface Managed extends AutoCloseable {

  void start();

  boolean isRunning();

  /** Graceful stop, then kill; never throws for a server that is already down. */
  @Override
  void close();

  /** How long the last start took, for reports; zero when unknown. */
  default java.time.Duration lastStartup() {
    return java.time.Duration.ZERO;
  }
}
