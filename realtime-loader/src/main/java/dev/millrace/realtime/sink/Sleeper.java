package dev.millrace.realtime.sink;

import java.time.Duration;

/** Waits between retries; injected so that tests never sleep. */
@FunctionalInterface
public interface Sleeper {

  Sleeper SYSTEM = d -> Thread.sleep(d.toMillis());

  void sleep(Duration duration) throws InterruptedException;
}
