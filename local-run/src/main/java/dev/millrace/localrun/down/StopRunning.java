package dev.millrace.localrun.down;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;

/**
 * {@code ./millrace down}: stops the instance that {@code ./millrace up} runs from another terminal.
 * It sends SIGTERM to the launcher only: its shutdown hook stops the services (each its grace
 * period), then the servers, exactly as Ctrl-C does; this command waits until the launcher is gone.
 * Services left by a launcher that was killed hard (their pids are in the same file) are ended too.
 */
public final class StopRunning {

  /** Exit codes: stopped, or nothing was running. */
  public static final int STOPPED = 0;
  public static final int NOTHING_RUNNING = 3;
  public static final int STILL_RUNNING = 1;

  private final PrintStream out;
  private final LongFunction<Optional<ProcessHandle>> processes;

  /**
   * @param processes finds a live process by pid, or empty; tests give a fake, the command
   *     {@link ProcessHandle#of(long)}
   */
  public StopRunning(PrintStream out, LongFunction<Optional<ProcessHandle>> processes) {
    this.out = out;
    this.processes = processes;
  }

  public static StopRunning onThisMachine(PrintStream out) {
    return new StopRunning(out, pid -> ProcessHandle.of(pid).filter(ProcessHandle::isAlive));
  }

  public int stop(Path home, Duration timeout) {
    Path file = home.resolve("pids");
    PidFile pids;
    try {
      pids = Files.isRegularFile(file) ? PidFile.parse(Files.readAllLines(file)) : PidFile.parse(java.util.List.of());
    } catch (IOException e) {
      pids = PidFile.parse(java.util.List.of());
    }
    Optional<ProcessHandle> launcher = pids.launcher().flatMap(processes::apply)
        // A recycled pid: only a process that runs a millrace jar is ours.
        .filter(p -> p.info().commandLine().map(c -> c.contains("millrace")).orElse(true));
    if (launcher.isEmpty()) {
      int leftovers = endLeftovers(pids.services());
      if (leftovers == 0) {
        out.println("millrace: nothing is running (no live launcher in " + file + ").");
        return NOTHING_RUNNING;
      }
      out.println("millrace: no launcher was running; ended " + leftovers + " service(s) a killed launcher had left.");
      return STOPPED;
    }
    long pid = launcher.get().pid();
    out.println("stopping the running `./millrace up` (launcher pid " + pid + "); it stops every service and server ...");
    long t0 = System.nanoTime();
    launcher.get().destroy(); // SIGTERM: runs its shutdown hook
    try {
      launcher.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      out.println("millrace: the launcher (pid " + pid + ") is still stopping after " + timeout.toSeconds()
          + " s; see " + home.resolve("logs") + ", or end it with `kill -9 " + pid + "`.");
      return STILL_RUNNING;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return STILL_RUNNING;
    }
    endLeftovers(pids.services());
    out.printf(java.util.Locale.ROOT, "stopped in %.0f s; logs kept in %s%n", (System.nanoTime() - t0) / 1e9,
        home.resolve("logs"));
    return STOPPED;
  }

  /**
   * Services whose launcher is gone: SIGTERM to each still running one of ours (an {@code -exec.jar},
   * Superset's gunicorn) and what it started.
   */
  private int endLeftovers(Map<String, Long> services) {
    int ended = 0;
    for (Map.Entry<String, Long> service : services.entrySet()) {
      Optional<ProcessHandle> p = processes.apply(service.getValue())
          .filter(h -> h.info().commandLine().map(c -> PidFile.isOurs(service.getKey(), c)).orElse(false));
      if (p.isPresent()) {
        p.get().descendants().forEach(ProcessHandle::destroy);
        p.get().destroy();
        ended++;
      }
    }
    return ended;
  }
}
