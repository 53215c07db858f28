package dev.millrace.localstack;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Lifecycle shared by the servers that run as child processes: start, wait until ready (failing
 * fast with the log's tail when the process dies), graceful stop, kill. Ports and folder are fixed
 * at construction so a restarted server is the same server.
 */
abstract class ProcessServer implements Managed {

  private static final System.Logger LOG = System.getLogger(ProcessServer.class.getName());
  private static final int TAIL_LINES = 40;

  protected final String name;
  protected final Path folder;
  private volatile ChildProcess process;
  private volatile boolean closing;
  private volatile Duration lastStartup = Duration.ZERO;

  ProcessServer(String name, Path folder) {
    this.name = name;
    this.folder = folder;
  }

  /** Called before every start; e.g. formats storage on the first one. */
  protected void prepare() throws Exception {}

  protected abstract List<String> command();

  protected Map<String, String> environment() {
    return Map.of();
  }

  /** True once the server answers; called repeatedly until then. */
  protected abstract boolean ready() throws Exception;

  /** How long a start may take before it is reported as failed. */
  protected Duration startTimeout() {
    return Duration.ofSeconds(180);
  }

  /** How long a graceful stop may take before the process is killed. */
  protected long stopGraceSeconds() {
    return 30;
  }

  Path log() {
    return folder.resolve("console.log");
  }

  /** Wall-clock time of the last successful start, from spawn to ready. */
  @Override
  public Duration lastStartup() {
    return lastStartup;
  }

  public synchronized void start() {
    if (closing) {
      throw new IllegalStateException(name + " was shut down with the local stack");
    }
    if (isRunning()) {
      return;
    }
    long began = System.nanoTime();
    try {
      prepare();
      process = ChildProcess.start(command(), environment(), folder, log(), folder.resolve(RunFolder.PIDS));
      long deadline = began + startTimeout().toNanos();
      while (true) {
        if (!process.isAlive()) {
          throw failure("exited with code " + process.exitValue() + " while starting", null);
        }
        try {
          if (ready()) {
            break;
          }
        } catch (Exception notYet) {
          // not answering yet
        }
        if (closing) {
          throw failure("start abandoned: the stack is shutting down", null);
        }
        if (System.nanoTime() > deadline) {
          throw failure("was not ready after " + startTimeout().toSeconds() + " s", null);
        }
        TimeUnit.MILLISECONDS.sleep(250);
      }
      process.recordPids();
    } catch (LocalStackException e) {
      killQuietly();
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killQuietly();
      throw failure("start interrupted", e);
    } catch (Exception e) {
      killQuietly();
      throw failure("could not start", e);
    }
    lastStartup = Duration.ofNanos(System.nanoTime() - began);
    LOG.log(Level.INFO, () -> name + " ready in " + lastStartup.toMillis() + " ms, log: " + log());
  }

  public synchronized void stop() {
    if (process != null) {
      stopGracefully(process);
      process = null;
    }
  }

  /** SIGTERM to the whole tree, SIGKILL after {@link #stopGraceSeconds()}; servers may differ. */
  protected void stopGracefully(ChildProcess process) {
    process.stop(stopGraceSeconds());
  }

  public synchronized void kill() {
    if (process != null) {
      process.kill();
      process = null;
    }
  }

  public boolean isRunning() {
    ChildProcess current = process;
    return current != null && current.isAlive();
  }

  /** Stops for good; a start in progress gives up at its next readiness poll. */
  @Override
  public void close() {
    closing = true;
    stop();
  }

  private void killQuietly() {
    try {
      kill();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not kill " + name + ": " + e);
    }
  }

  protected LocalStackException failure(String what, Exception cause) {
    return new LocalStackException(name + " " + what + "; log " + log() + " ends with:\n"
        + ChildProcess.tail(log(), TAIL_LINES), cause);
  }
}
