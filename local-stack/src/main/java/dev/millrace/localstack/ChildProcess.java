package dev.millrace.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A server process with its whole process tree. Elasticsearch's launcher starts the server in a
 * second JVM, so signals go to every descendant too; the tree is captured before signalling
 * because descendants are re-parented (and no longer found) once their parent dies.
 */
final class ChildProcess {

  private final Process process;
  private final Path log;
  private final Path pidFile;

  private ChildProcess(Process process, Path log, Path pidFile) {
    this.process = process;
    this.log = log;
    this.pidFile = pidFile;
  }

  /** Starts {@code command} with its output appended to {@code log}, recording its pids in {@code pidFile}. */
  static ChildProcess start(List<String> command, Map<String, String> env, Path workDir, Path log,
                            Path pidFile) {
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    builder.environment().putAll(env);
    try {
      ChildProcess child = new ChildProcess(builder.start(), log, pidFile);
      child.recordPids();
      return child;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command.get(0) + " (log: " + log + ")", e);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  int exitValue() {
    return process.exitValue();
  }

  /** Waits for the process to exit by itself; false on timeout. */
  boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    return process.waitFor(timeout, unit);
  }

  /**
   * Writes the pid and start time of every process in the tree, so that a later JVM can reap them
   * if this one dies without cleaning up (see {@link RunFolder#reapStale}).
   */
  void recordPids() {
    RunFolder.recordPids(pidFile, tree());
  }

  /** SIGTERM to the whole tree, then SIGKILL to what is left after {@code graceSeconds}. */
  void stop(long graceSeconds) {
    List<ProcessHandle> tree = tree();
    // Deepest first: the Elasticsearch launcher would otherwise relay the signal itself and race.
    for (int i = tree.size() - 1; i >= 0; i--) {
      tree.get(i).destroy();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
    for (ProcessHandle handle : tree) {
      long left = deadline - System.nanoTime();
      try {
        handle.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
      } catch (Exception timedOutOrInterrupted) {
        // forced below
      }
    }
    kill(tree);
  }

  /**
   * SIGINT to the root process only, then SIGKILL to what is left of the tree after
   * {@code graceSeconds}. For servers that stop their own children: the PostgreSQL postmaster takes
   * SIGINT as "fast shutdown" (ends the sessions, checkpoints, exits), whereas SIGTERM is "smart"
   * (waits for every client, e.g. a connection pool, to disconnect) and signalling its workers
   * directly would make it treat them as crashed.
   */
  void interrupt(long graceSeconds) {
    List<ProcessHandle> tree = tree();
    try {
      // Java can only send SIGTERM and SIGKILL.
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
          .redirectErrorStream(true).start();
      kill.getInputStream().readAllBytes();
      kill.waitFor(10, TimeUnit.SECONDS);
      process.waitFor(graceSeconds, TimeUnit.SECONDS);
    } catch (IOException e) {
      // no kill command: the tree is killed below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kill(tree);
  }

  /** SIGKILL to the whole tree, waiting until every process is gone. */
  void kill() {
    kill(tree());
  }

  private static void kill(List<ProcessHandle> tree) {
    tree.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle handle : tree) {
      try {
        handle.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("process " + handle.pid() + " did not die after SIGKILL", e);
      }
    }
  }

  List<ProcessHandle> treeForTest() {
    return tree();
  }

  private List<ProcessHandle> tree() {
    return Stream.concat(Stream.of(process.toHandle()), process.descendants())
        .filter(ProcessHandle::isAlive)
        .toList();
  }

  /** The last {@code lines} lines of the log, for error messages. */
  String tail(int lines) {
    return tail(log, lines);
  }

  static String tail(Path file, int lines) {
    try {
      // Lenient decoding: a server may write anything, the message must still be produced.
      List<String> all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(could not read " + file + ": " + e + ")";
    }
  }
}
