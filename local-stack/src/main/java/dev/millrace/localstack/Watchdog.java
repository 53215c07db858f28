package dev.millrace.localstack;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Kills a run's servers when the JVM that started them dies without stopping them (a CI time-out,
 * {@code kill -9}, an OOM kill), so no run leaks servers until the next run reaps them.
 *
 * <p>One small watchdog process per run folder, started with it. It holds the read end of a pipe
 * whose only writer is the owning JVM: the read returns end-of-file the moment that JVM is gone,
 * however it ended. The watchdog then kills every process recorded in the run folder's pid files
 * (pid and start time must both match, see {@link RunFolder#matching}) and deletes the folder. When
 * the JVM ended normally its shutdown hook has already stopped the servers and deleted the folder,
 * and the watchdog just exits.
 *
 * <p>{@code PR_SET_PDEATHSIG} ({@code setpriv --pdeathsig}) was not used: it fires when the
 * <em>thread</em> that forked the child ends, and the servers are started from whichever thread
 * first asks for them, e.g. a pool thread that is later retired.
 */
final class Watchdog {

  private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());

  private Watchdog() {}

  /** Starts the watchdog of {@code run}, owned by this JVM. */
  static Process watch(Path run) {
    // Its log lives in the run folder, so it goes with the folder.
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = List.of(java, "-Xmx16m", "-Xss256k", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", ownLocation(run),
        Watchdog.class.getName(), RunFolder.describe(ProcessHandle.current()), run.toString());
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(run.resolve("watchdog.log").toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the local-stack watchdog", e);
    }
  }

  /** {@code Watchdog <owner "pid start"> <run folder>}. */
  public static void main(String[] args) throws Exception {
    String owner = args[0];
    Path run = Path.of(args[1]);
    try (InputStream fromOwner = System.in) {
      while (fromOwner.read() >= 0) {
        // nothing is ever written: we only wait for end-of-file
      }
    } catch (IOException e) {
      // the pipe broke: same as end-of-file
    }
    // End-of-file also comes if the owner closed our stdin on purpose; make sure it is gone.
    Optional<ProcessHandle> stillThere = RunFolder.matching(owner);
    stillThere.ifPresent(process -> process.onExit().join());
    if (java.nio.file.Files.exists(run)) {
      LOG.log(Level.WARNING, "local-stack owner " + owner + " died without stopping its servers; reaping " + run);
      RunFolder.reap(run);
    }
  }

  /**
   * The jar or class folder this class was loaded from: the watchdog needs nothing else. Loaded from
   * a jar inside a jar (the bench's executable jar), which a JVM cannot put on its class path, its
   * classes (this one and {@link RunFolder}, which use only the JDK) are copied into the run folder.
   */
  private static String ownLocation(Path run) {
    try {
      URI location = Watchdog.class.getProtectionDomain().getCodeSource().getLocation().toURI();
      if ("file".equals(location.getScheme())) {
        return new File(location).getPath();
      }
    } catch (URISyntaxException | IllegalArgumentException e) {
      // not a plain file: copy the classes below
    }
    Path classes = run.resolve("watchdog-classes");
    for (Class<?> c : List.of(Watchdog.class, RunFolder.class)) {
      String resource = c.getName().replace('.', '/') + ".class";
      try (InputStream in = c.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("cannot read " + resource + " to start the local-stack watchdog");
        }
        Path target = classes.resolve(resource);
        java.nio.file.Files.createDirectories(target.getParent());
        java.nio.file.Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot copy " + resource + " for the local-stack watchdog", e);
      }
    }
    return classes.toString();
  }
}
