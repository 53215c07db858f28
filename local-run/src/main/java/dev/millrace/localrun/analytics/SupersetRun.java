package dev.millrace.localrun.analytics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Superset with the project's dashboards, beside a local run's Trino. The launcher does not
 * re-implement Superset's set-up: it runs {@code analytics/bin/superset-serve} (the same sequence
 * the dashboards' tests run: virtualenv, {@code db upgrade}, admin, {@code init}, the bundle
 * imported, one gunicorn worker) as one background child process, and watches {@code /health}.
 * The first run creates the virtualenv, which takes minutes: nothing waits for it.
 *
 * <p>Each run gets a fresh metadata database (SQLite under the run's state folder, deleted when it
 * stops), so the imported databases always point at this run's Trino, and a fresh random secret
 * key and admin password, kept owner-only in {@code <home>/superset.properties}.
 */
public final class SupersetRun implements AutoCloseable {

  /** Superset's documented default port, used unless {@code --ports free}. */
  public static final int DEFAULT_PORT = 8088;
  public static final String USER = "admin";
  public static final String FILE = "superset.properties";
  /** {@code analytics/bin/superset-serve} prints its steps with this prefix. */
  static final String STEP = "superset-serve: ";

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** The run's login and key: random per run, never printed except the summary's login line. */
  public record Login(String user, String password, String secretKey) {

    public static Login random() {
      return new Login(USER, token(18), token(48));
    }

    private static String token(int bytes) {
      byte[] b = new byte[bytes];
      new SecureRandom().nextBytes(b);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public String toString() {
      return "Login[user=" + user + "]"; // never the secrets, should a record end up in a message
    }
  }

  /** Where it is in its start, for the display and the summary. */
  public enum Phase { STARTING, READY, FAILED, STOPPED }

  /**
   * @param phase where it is
   * @param detail the script's last step while starting, the dashboards' titles when ready, what
   *     failed (with the log) when failed
   */
  public record State(Phase phase, String detail) {}

  private final Process process;
  private final int port;
  private final Login login;
  private final Path log;
  private final long startedAt = System.nanoTime();
  private volatile State state = new State(Phase.STARTING, "starting");
  private volatile Duration startTime;
  private volatile boolean closed;
  private long logRead;

  private SupersetRun(Process process, int port, Login login, Path log) {
    this.process = process;
    this.port = port;
    this.login = login;
    this.log = log;
  }

  /** {@code <repo>/analytics/bin/superset-serve}. */
  public static Path script(Path repo) {
    return repo.resolve("analytics").resolve("bin").resolve("superset-serve");
  }

  /**
   * Empty when Superset can start here, else one line saying what is missing (no Python 3.11, no
   * script). Asks the script itself ({@code --check}, a fraction of a second, builds nothing), so
   * the rule is the one {@code bin/python-venv} applies.
   *
   * @param env added to this process's environment (a test narrows PATH)
   */
  public static Optional<String> unavailable(Path repo, Map<String, String> env) {
    Path script = script(repo);
    if (!Files.isExecutable(script)) {
      return Optional.of(script + " is missing");
    }
    ProcessBuilder pb = new ProcessBuilder(script.toString(), "--check").redirectErrorStream(true);
    pb.environment().putAll(env);
    try {
      Process p = pb.start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.of(script + " --check did not answer in 30 s");
      }
      if (p.exitValue() == 0) {
        return Optional.empty();
      }
      List<String> lines = output.lines().toList();
      return Optional.of(lines.isEmpty() ? script + " --check failed (exit " + p.exitValue() + ")" : lines.get(lines.size() - 1));
    } catch (IOException e) {
      return Optional.of("cannot run " + script + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while checking for Python");
    }
  }

  /** {@code trino://superset@127.0.0.1:PORT} for a Trino at {@code http://127.0.0.1:PORT}; the catalog is per database. */
  public static String trinoUri(String trinoUrl) {
    URI uri = URI.create(trinoUrl);
    return "trino://superset@" + uri.getHost() + ":" + uri.getPort();
  }

  /** The script's environment: the secrets are here, never on its command line. Pure. */
  public static Map<String, String> environment(Path supersetHome, String trinoUrl, int port, Login login) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SUPERSET_HOME", supersetHome.toString());
    env.put("SUPERSET_SECRET_KEY", login.secretKey());
    env.put("SUPERSET_ADMIN_USER", login.user());
    env.put("SUPERSET_ADMIN_PASSWORD", login.password());
    env.put("MILLRACE_TRINO_URI", trinoUri(trinoUrl));
    env.put("SUPERSET_BIND", "127.0.0.1:" + port);
    // One worker (8 threads): a demo's handful of users, and the smallest footprint.
    env.put("SUPERSET_WORKERS", "1");
    return env;
  }

  /**
   * Starts the script in the background, its output in {@code log}; returns at once. A thread
   * watches it until {@code /health} answers and the dashboards are listed.
   */
  public static SupersetRun start(Path repo, Path supersetHome, String trinoUrl, int port, Login login, Path log) {
    ProcessBuilder pb = new ProcessBuilder(script(repo).toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(environment(supersetHome, trinoUrl, port, login));
    try {
      Files.createDirectories(supersetHome);
      SupersetRun run = new SupersetRun(pb.start(), port, login, log);
      Thread watch = new Thread(run::watch, "millrace-superset");
      watch.setDaemon(true);
      watch.start();
      return run;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void watch() {
    while (!closed) {
      if (!process.isAlive()) {
        // The step it was on says what is missing, e.g. PyPI while creating the Python environment.
        String step = lastStep(newLines()).orElse(state.detail());
        state = new State(Phase.FAILED, failure(process.exitValue(), step, log));
        return;
      }
      if (healthy()) {
        try {
          List<String> titles = dashboards(url(), login);
          startTime = Duration.ofNanos(System.nanoTime() - startedAt);
          state = titles.isEmpty() ? new State(Phase.FAILED, "no dashboards were imported, see " + log)
              : new State(Phase.READY, titles.size() + " dashboards: " + String.join(", ", titles));
          return;
        } catch (IOException | RuntimeException e) {
          // The worker answers /health before its first login works on a loaded machine: ask again.
        } catch (InterruptedException e) {
          return;
        }
      } else {
        lastStep(newLines()).ifPresent(step -> state = new State(Phase.STARTING, step));
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private boolean healthy() {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/health")).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * The dashboards' titles as a logged-in user sees them, through Superset's REST API (log in, then
   * {@code GET /api/v1/dashboard/}).
   */
  public static List<String> dashboards(String url, Login login) throws IOException, InterruptedException {
    String body = JSON.writeValueAsString(Map.of("username", login.user(), "password", login.password(),
        "provider", "db", "refresh", false));
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/security/login"))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("login answered " + r.statusCode());
    }
    String token = JSON.readTree(r.body()).path("access_token").asString();
    HttpResponse<String> list = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/dashboard/?q=(page_size:100)"))
        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (list.statusCode() != 200) {
      throw new IOException("GET /api/v1/dashboard/ answered " + list.statusCode());
    }
    List<String> titles = new ArrayList<>();
    for (JsonNode d : JSON.readTree(list.body()).path("result")) {
      titles.add(d.path("dashboard_title").asString());
    }
    return titles.stream().sorted().toList();
  }

  /** What the display and the summary say when the script exited. Pure. */
  static String failure(int exitCode, String step, Path log) {
    String during = step.startsWith("creating the Python environment") ? "creating the Python environment"
        + " (no PyPI access?)" : step.startsWith("serving") ? "serving" : step;
    return "exited with status " + exitCode + " while " + during + "; see " + log;
  }

  /** The last progress line {@code superset-serve} printed, without its prefix. Pure. */
  static Optional<String> lastStep(List<String> logLines) {
    for (int i = logLines.size() - 1; i >= 0; i--) {
      String line = logLines.get(i);
      int at = line.indexOf(STEP);
      if (at >= 0) {
        return Optional.of(line.substring(at + STEP.length()).strip());
      }
    }
    return Optional.empty();
  }

  /** The log's whole lines written since the last call (a step line can be far above the log's end). */
  private List<String> newLines() {
    try (java.io.RandomAccessFile in = new java.io.RandomAccessFile(log.toFile(), "r")) {
      long length = in.length();
      if (length <= logRead) return List.of();
      byte[] bytes = new byte[(int) Math.min(length - logRead, 4 * 1024 * 1024)];
      in.seek(logRead);
      in.readFully(bytes);
      int end = bytes.length;
      while (end > 0 && bytes[end - 1] != '\n') end--;
      logRead += end;
      return new String(bytes, 0, end, StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Where the dashboards are listed. */
  public String dashboardsUrl() {
    return url() + "/dashboard/list/";
  }

  public int port() {
    return port;
  }

  public Login login() {
    return login;
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

  public State state() {
    return state;
  }

  /** How long it took from the start to the dashboards listed; empty until then. */
  public Optional<Duration> startTime() {
    return Optional.ofNullable(startTime);
  }

  /** Waits until it is ready or failed; false on timeout. */
  public boolean awaitStarted(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (state.phase() == Phase.STARTING && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    return state.phase() != Phase.STARTING;
  }

  /** The progress display's line. Pure. */
  public static String displayLine(State state, String dashboardsUrl) {
    switch (state.phase()) {
      case READY:
        return "  superset       ready: " + dashboardsUrl + " (" + state.detail() + ")";
      case FAILED:
        return "  superset       failed: " + state.detail();
      case STOPPED:
        return "  superset       stopped";
      default:
        return "  superset       " + state.detail();
    }
  }

  /** The summary's lines: where the dashboards are and the demo login. Pure. */
  public static List<String> summaryLines(State state, String url, Login login, Path loginFile, Path log) {
    List<String> lines = new ArrayList<>();
    switch (state.phase()) {
      case READY:
        lines.add("Dashboards (Superset " + url + ", " + state.detail() + "):");
        break;
      case STARTING:
        lines.add("Dashboards (Superset, still starting: " + state.detail() + "; log " + log + "), soon at:");
        break;
      default:
        lines.add("Superset " + (state.phase() == Phase.FAILED ? "failed: " + state.detail() : "stopped") + ".");
        return lines;
    }
    lines.add("  " + url + "/dashboard/list/   e.g. " + url + "/superset/dashboard/product-overview/");
    lines.add(String.format(Locale.ROOT, "  demo login (this run only; also in %s): %s / %s", loginFile, login.user(),
        login.password()));
    return lines;
  }

  /** The login file's text (owner-only: it holds the password and the secret key). */
  public String loginFileText() {
    return "# written by ./millrace up: this run's Superset. Deleted when it stops.\n"
        + "url=" + url() + "\nuser=" + login.user() + "\npassword=" + login.password()
        + "\nsecret-key=" + login.secretKey() + "\n";
  }

  /** Stops gunicorn (or the set-up step running) and everything it started: SIGTERM, SIGKILL after 20 s. */
  @Override
  public void close() {
    closed = true;
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    process.destroy();
    tree.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    if (state.phase() == Phase.STARTING) {
      state = new State(Phase.STOPPED, "stopped");
    }
  }
}
