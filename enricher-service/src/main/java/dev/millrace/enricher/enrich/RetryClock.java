package dev.millrace.enricher.enrich;

/** The time and the waits of the retry logic; injected so tests never sleep. */
public interface RetryClock {

  long millis();

  void sleep(long millis) throws InterruptedException;

  RetryClock SYSTEM = new RetryClock() {
    @Override
    public long millis() {
      return System.currentTimeMillis();
    }

    @Override
    public void sleep(long millis) throws InterruptedException {
      Thread.sleep(millis);
    }
  };
}
