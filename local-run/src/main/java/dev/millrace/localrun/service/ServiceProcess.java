package dev.millrace.localrun.service;

import dev.millrace.localrun.LaunchException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A service running as a child process, its output appended to its log file. */
public final class ServiceProcess {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final ServiceSpec spec;
  private final Process process;
  private final Path log;

  private ServiceProcess(ServiceSpec spec, Process process, Path log) {
    this.spec = spec;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code java -Xmx<heap> -jar <jar>} with the spec's environment. */
  public static ServiceProcess start(ServiceSpec spec, Path jar, Path logDir, List<String> extraJvmOptions) {
    if (!Files.isRegularFile(jar)) {
      throw new LaunchException(spec.name() + ": " + jar + " is missing; build it with "
          + "`./mvnw -q -DskipTests -pl " + spec.module() + " -am package`.");
    }
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx" + spec.heap());
    command.add("-Xss512k");
    // Few GC threads: every service shares this machine with the others and the local stack.
    command.add("-XX:+UseSerialGC");
    command.addAll(extraJvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    return run(spec, command, logDir);
  }

  /**
   * Starts {@code command} as the service (its readiness at the spec's HTTP port), with the spec's
   * environment added to this process's: e.g. the service's image file system run in a chroot.
   */
  public static ServiceProcess run(ServiceSpec spec, List<String> command, Path logDir) {
    Path log = logDir.resolve(spec.name() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().putAll(spec.env());
    try {
      Files.createDirectories(logDir);
      return new ServiceProcess(spec, builder.start(), log);
    } catch (IOException e) {
      throw new LaunchException(spec.name() + ": could not start " + command.get(0) + ": " + e.getMessage(), e);
    }
  }

  public ServiceSpec spec() {
    return spec;
  }

  public Path log() {
    return log;
  }

  public long pid() {
    return process.pid();
  }

  public ProcessHandle handle() {
    return process.toHandle();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits until {@code /actuator/health/readiness} answers 200. Fails with the log's path and its
   * last lines when the process exits or the timeout passes.
   */
  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw notReady("exited with status " + process.exitValue() + " before it was ready");
      }
      if (ready()) {
        return;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LaunchException("interrupted while waiting for " + spec.name());
      }
    }
    throw notReady("was not ready after " + timeout.toSeconds() + " s (" + spec.readinessUrl() + ")");
  }

  /** True when the readiness endpoint answers 200 now. */
  public boolean ready() {
    try {
      HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(spec.readinessUrl()))
          .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private LaunchException notReady(String what) {
    return new LaunchException(spec.name() + " " + what + ".\nIts log: " + log + "\nLast lines:\n"
        + String.join("\n", tail(log, 20)));
  }

  /**
   * Stops the process and anything it started: SIGTERM first (Spring drains and commits), then
   * SIGKILL after {@code grace}.
   */
  public void stop(Duration grace) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * SIGKILL, as a crash or the OOM killer would end it: no shutdown hook runs, nothing is drained,
   * committed or closed. Waits until the process is gone.
   */
  public void kill() {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    process.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The last {@code n} lines of a file, read from its end (logs can be large). */
  public static List<String> tail(Path file, int n) {
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      long from = Math.max(0, length - 64 * 1024);
      in.seek(from);
      byte[] bytes = new byte[(int) (length - from)];
      in.readFully(bytes);
      List<String> lines = List.of(new String(bytes, StandardCharsets.UTF_8).split("\r?\n"));
      return lines.subList(Math.max(0, lines.size() - n), lines.size()).stream().map(l -> "  | " + l).toList();
    } catch (IOException e) {
      return List.of("  (log not readable: " + e.getMessage() + ")");
    }
  }
}
