package dev.millrace.realtime.consume;

import dev.millrace.realtime.sink.Sleeper;
import dev.millrace.retry.Backoff;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the loader on its own thread: installs the index templates (retrying while Elasticsearch is
 * unreachable, so the loader can start before it), then runs the consumer loop until stopped.
 */
public final class LoaderRunner implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(LoaderRunner.class);

  /** Installs the index templates; throws while Elasticsearch cannot take them. */
  @FunctionalInterface
  public interface Setup {
    void run() throws Exception;
  }

  private final Setup setup;
  private final Supplier<LoaderLoop> loops;
  private final Backoff setupRetry;
  private final Duration shutdownTimeout;
  private volatile Thread thread;
  private volatile LoaderLoop loop;
  private volatile boolean ready;
  private volatile boolean stopping;

  public LoaderRunner(Setup setup, Supplier<LoaderLoop> loops, Backoff setupRetry,
                      Duration shutdownTimeout) {
    this.setup = setup;
    this.loops = loops;
    this.setupRetry = setupRetry;
    this.shutdownTimeout = shutdownTimeout;
  }

  @Override
  public synchronized void start() {
    stopping = false;
    thread = new Thread(this::runLoader, "realtime-loader");
    thread.start();
  }

  private void runLoader() {
    try {
      for (int attempt = 0; !stopping; attempt++) {
        try {
          setup.run();
          break;
        } catch (Exception e) {
          Duration delay = setupRetry.delay(attempt + 1); // the failures in a row, from 1
          log.warn("cannot install index templates yet, retrying in {}: {}", delay, e.toString());
          Sleeper.SYSTEM.sleep(delay);
        }
      }
      log.info("index templates installed; consuming");
      for (int failures = 0; !stopping; failures++) {
        try {
          LoaderLoop l = loops.get();
          loop = l;
          ready = true;
          if (stopping) {
            // stop() may have looked for the loop before it existed.
            l.stop();
          }
          l.run();
        } catch (RuntimeException e) {
          // E.g. a fatal consumer error. Nothing uncommitted is lost: a new consumer rereads it.
          ready = false;
          Duration delay = setupRetry.delay(failures + 1);
          log.error("consumer loop failed, starting a new one in {}", delay, e);
          Sleeper.SYSTEM.sleep(delay);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      ready = false;
    }
  }

  /** True once the templates are installed and until the loop ends. */
  public boolean isReady() {
    return ready;
  }

  @Override
  public synchronized void stop() {
    stopping = true;
    Thread t = thread;
    if (t == null) {
      return;
    }
    LoaderLoop l = loop;
    if (l != null) {
      l.stop();
    }
    if (!ready) {
      // Not inside a loop (installing templates or waiting to start a new loop): cut the wait short.
      t.interrupt();
    }
    try {
      // The loop itself bounds its drain by the shutdown timeout; the margin covers the commit.
      t.join(shutdownTimeout.plusSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread = null;
    loop = null;
  }

  @Override
  public boolean isRunning() {
    return thread != null;
  }
}
