package dev.millrace.e2e;

import dev.millrace.collector.compat.TrackerIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The real tracker SDKs of {@code e2e/sdk}, installed by the project's own scripts from their
 * committed locks ({@code e2e/sdk/bin/venv}, {@code e2e/sdk/bin/node-modules}, each cached under
 * {@code .millrace/} by its lock's hash), and their senders run as processes.
 */
final class TrackerSdks {

  /** Where the SDKs are installed: the Python venv, and the folder npm ci installed into. */
  record Environments(Path venv, Path nodeModules) {}

  /**
   * One event a sender asked its SDK to send: the tracker's own id, the Millrace event id the
   * collector must make of it, and what must become of it ({@code enriched} or a dead-letter reason).
   */
  record Sent(String sdk, String trackerId, String eventId, String call, String eventType, String expect) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path repo;
  private final Path logs;

  TrackerSdks(Path repo, Path logs) {
    this.repo = repo;
    this.logs = logs;
  }

  /** Installs both SDK environments at once (seconds when cached), printing how long each took. */
  CompletableFuture<Environments> prepare() {
    CompletableFuture<Path> venv = CompletableFuture.supplyAsync(() -> script("e2e/sdk/bin/venv", "sdk-venv"));
    CompletableFuture<Path> node = CompletableFuture.supplyAsync(() -> script("e2e/sdk/bin/node-modules", "sdk-npm-ci"));
    return venv.thenCombine(node, Environments::new);
  }

  private Path script(String script, String name) {
    long t0 = System.nanoTime();
    try {
      Process p = start(List.of("bash", repo.resolve(script).toString()), name, false);
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException(script + " failed; see " + logs.resolve(name + ".log"));
      }
      String path = new String(p.getInputStream().readAllBytes()).trim();
      System.out.printf(Locale.ROOT, "sdk: %s in %.1f s -> %s%n", script, (System.nanoTime() - t0) / 1e9, path);
      return Path.of(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts {@code e2e/sdk/python/<sender>} in the venv; its output goes to {@code <logs>/<name>.log}. */
  Process python(Environments env, String sender, String name, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(env.venv().resolve("bin/python").toString(),
        repo.resolve("e2e/sdk/python").resolve(sender).toString()));
    command.addAll(List.of(args));
    return start(command, name, true);
  }

  /** Starts {@code e2e/sdk/node/send.mjs} (analytics-node) with a small heap. */
  Process node(String name, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("node", "--max-old-space-size=128",
        repo.resolve("e2e/sdk/node/send.mjs").toString()));
    command.addAll(List.of(args));
    return start(command, name, true);
  }

  private Process start(List<String> command, String name, boolean stdoutToLog) throws IOException {
    Files.createDirectories(logs);
    ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile())
        .redirectError(logs.resolve(name + ".log").toFile());
    if (stdoutToLog) {
      pb.redirectErrorStream(true).redirectOutput(logs.resolve(name + ".log").toFile());
    }
    pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    return pb.start();
  }

  /** Waits for a sender; true when it exited 0 (its SDK reported no failure). */
  boolean finished(Process p, String name, Duration timeout) throws InterruptedException {
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      System.out.println("sdk: " + name + " did not finish within " + timeout);
      return false;
    }
    List<String> tail = dev.millrace.localrun.service.ServiceProcess.tail(logs.resolve(name + ".log"), 3);
    System.out.println("sdk: " + name + " exited " + p.exitValue() + ": " + String.join(" | ", tail));
    return p.exitValue() == 0;
  }

  /** The lines a sender wrote, with the event id each must have ({@code protocol}: segment, snowplow). */
  static List<Sent> read(Path jsonl, String sdk, String protocol) throws IOException {
    List<Sent> sent = new ArrayList<>();
    for (String line : Files.readAllLines(jsonl)) {
      if (line.isBlank()) continue;
      JsonNode n = JSON.readTree(line);
      String id = n.get("id").asString();
      sent.add(new Sent(sdk, id, TrackerIds.eventId(protocol, id), n.path(n.has("call") ? "call" : "kind").asString(),
          n.get("event_type").asString(), n.path("expect").asString("enriched")));
    }
    return sent;
  }

  static long lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
