package dev.millrace.localrun.down;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./millrace down}: see {@link StopRunning}. */
@Command(name = "millrace down", mixinStandardHelpOptions = true,
    description = "Stops the `./millrace up` running from this repository (from any terminal) as Ctrl-C would,"
        + " and waits until it is gone. Exit code 0 stopped, 3 nothing was running, 1 still stopping.")
public final class DownMain implements Callable<Integer> {

  @Option(names = "--home", paramLabel = "DIR", defaultValue = ".millrace",
      description = "The running instance's folder (default: ${DEFAULT-VALUE}).")
  Path home;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
      description = "How long to wait for it to stop (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Override
  public Integer call() {
    return StopRunning.onThisMachine(System.out).stop(home.toAbsolutePath().normalize(), Duration.ofSeconds(timeoutSeconds));
  }
}
