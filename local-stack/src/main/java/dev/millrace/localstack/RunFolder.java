package dev.millrace.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The per-run folder of one JVM: {@code <tmp>/millrace-local-stack/<pid>-<random>/}, holding one
 * sub-folder per server (data, config, console log, pid file) and an {@code owner} file naming
 * this JVM. A JVM killed hard cannot clean up, so every new run first reaps the folders whose owner
 * is gone: it kills the processes they recorded (when pid AND start time still match, so a
 * recycled pid is never hit) and deletes the folder.
 */
final class RunFolder {

  private static final System.Logger LOG = System.getLogger(RunFolder.class.getName());
  static final String OWNER = "owner";
  static final String PIDS = "pids";

  private final Path path;

  private RunFolder(Path path) {
    this.path = path;
  }

  /** The well-known parent of every run folder; {@code -Dmillrace.localstack.dir} overrides it. */
  static Path base() {
    String configured = System.getProperty("millrace.localstack.dir");
    return configured != null ? Paths.get(configured)
        : Paths.get(System.getProperty("java.io.tmpdir"), "millrace-local-stack");
  }

  /** Reaps stale runs under {@code base}, then creates this JVM's folder. */
  static RunFolder create(Path base) {
    reapStale(base);
    Path path = base.resolve(ProcessHandle.current().pid() + "-"
        + UUID.randomUUID().toString().substring(0, 8));
    for (int attempt = 1; ; attempt++) {
      try {
        Files.createDirectories(base);
        Files.createDirectory(path);
        Files.writeString(path.resolve(OWNER), describe(ProcessHandle.current()) + "\n");
        return new RunFolder(path);
      } catch (java.nio.file.NoSuchFileException raced) {
        // Another JVM removed the empty base between our two calls; create it again.
        if (attempt == 3) {
          throw new UncheckedIOException("cannot create a run folder under " + base, raced);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a run folder under " + base, e);
      }
    }
  }

  Path path() {
    return path;
  }

  /** A fresh sub-folder for one server. */
  Path serverFolder(String name) {
    try {
      return Files.createDirectories(path.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes this run's folder, and the base too when no other run is using it. */
  void delete() {
    deleteRecursively(path);
    try {
      Files.deleteIfExists(path.getParent());
    } catch (IOException notEmpty) {
      // another JVM's run lives there
    }
  }

  /** Reaps every run folder under {@code base} whose owning JVM is no longer alive. */
  static void reapStale(Path base) {
    if (!Files.isDirectory(base)) {
      return;
    }
    List<Path> runs;
    try (Stream<Path> list = Files.list(base)) {
      runs = list.filter(Files::isDirectory).toList();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot list " + base + ": " + e);
      return;
    }
    for (Path run : runs) {
      if (ownerAlive(run)) {
        continue;
      }
      LOG.log(Level.INFO, "reaping stale local-stack run " + run);
      reap(run);
    }
  }

  /** Kills every process the run's pid files still name, then deletes the run's folder. */
  static void reap(Path run) {
    try (Stream<Path> files = Files.walk(run)) {
      files.filter(f -> f.getFileName().toString().equals(PIDS)).forEach(RunFolder::killRecorded);
    } catch (IOException | UncheckedIOException e) {
      LOG.log(Level.WARNING, "cannot scan " + run + ": " + e);
    }
    deleteRecursively(run);
  }

  private static boolean ownerAlive(Path run) {
    Path owner = run.resolve(OWNER);
    if (!Files.exists(owner)) {
      // Being created right now by another JVM, or left half-made long ago.
      return modifiedWithin(run, Duration.ofMinutes(1));
    }
    try {
      return matching(Files.readString(owner, StandardCharsets.UTF_8).trim()).isPresent();
    } catch (IOException e) {
      return modifiedWithin(run, Duration.ofMinutes(1));
    }
  }

  private static boolean modifiedWithin(Path path, Duration age) {
    try {
      return Files.getLastModifiedTime(path).toInstant().isAfter(Instant.now().minus(age));
    } catch (IOException e) {
      return false;
    }
  }

  private static void killRecorded(Path pidFile) {
    try {
      for (String line : Files.readAllLines(pidFile, StandardCharsets.UTF_8)) {
        matching(line.trim()).ifPresent(process -> {
          LOG.log(Level.INFO, "killing orphaned server process " + process.pid());
          List<ProcessHandle> tree = new ArrayList<>();
          tree.add(process);
          process.descendants().forEach(tree::add);
          tree.forEach(ProcessHandle::destroyForcibly);
          tree.forEach(p -> p.onExit().join());
        });
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot read " + pidFile + ": " + e);
    }
  }

  /** "pid startMillis" for a process, the identity that survives pid reuse. */
  static String describe(ProcessHandle process) {
    return process.pid() + " " + process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
  }

  /** The live process a {@link #describe} line names, if it is still the same process. */
  static Optional<ProcessHandle> matching(String description) {
    String[] parts = description.split("\\s+");
    if (parts.length != 2) {
      return Optional.empty();
    }
    try {
      long pid = Long.parseLong(parts[0]);
      long start = Long.parseLong(parts[1]);
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L) == start);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  static void recordPids(Path pidFile, List<ProcessHandle> processes) {
    StringBuilder lines = new StringBuilder();
    processes.forEach(p -> lines.append(describe(p)).append('\n'));
    try {
      Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
      Files.writeString(tmp, lines);
      Files.move(tmp, pidFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + pidFile, e);
    }
  }

  static void deleteRecursively(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // A server may still be writing (e.g. a log rolled at exit); retried below.
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // ignored: the check below reports what is left
    }
    if (Files.exists(path)) {
      LOG.log(Level.WARNING, "could not delete " + path + " completely");
    }
  }
}
