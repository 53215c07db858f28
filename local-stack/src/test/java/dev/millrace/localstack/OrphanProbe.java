package dev.millrace.localstack;

/**
 * A JVM that starts the S3 server through {@link LocalStack}, says so, and waits to be killed: the
 * owner whose death {@link WatchdogIT} stages.
 */
public final class OrphanProbe {

  private OrphanProbe() {}

  public static void main(String[] args) throws InterruptedException {
    LocalStack.s3();
    System.out.println(OrphanProbe.READY);
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  static final String READY = "orphan-probe: s3 ready";
}
