package dev.millrace.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.curation.fixture.TestEvent;
import dev.millrace.proto.v1.EnrichedEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dashboards as analysts open them: a real Superset (from the locked virtualenv) imports the
 * bundle, and pytest checks through the chart data API that every chart returns the numbers the
 * loaded data implies, then Debian's chromium opens every dashboard (analytics/tests).
 */
class DashboardsIT {

  private static final Path OUT = Path.of("target", "analytics-it").toAbsolutePath();

  @Test
  void everyDashboardShowsWhatTheLoadedDataImplies() throws Exception {
    // The virtualenv and chromium (minutes on a fresh machine) are made while the servers start.
    CompletableFuture<String> venvPath = CompletableFuture.supplyAsync(() -> run(Duration.ofMinutes(10), "bin/venv"));
    CompletableFuture<String> chromiumPath =
        CompletableFuture.supplyAsync(() -> run(Duration.ofMinutes(10), "bin/chromium"));
    AnalyticsStack stack = AnalyticsStack.get();
    Files.createDirectories(OUT);
    Path data = OUT.resolve("loaded.json");
    Files.writeString(data, Json.write(loaded(stack)));

    Path venv = Path.of(venvPath.join().strip());
    String chromium = chromiumPath.join().strip();
    URI trino = URI.create(stack.trino.url());

    ProcessBuilder pytest = new ProcessBuilder(venv.resolve("bin/python").toString(), "-m", "pytest", "-v",
        "-p", "no:cacheprovider", "--junitxml=" + OUT.resolve("pytest.xml"), "tests")
        .redirectErrorStream(true)
        .redirectOutput(OUT.resolve("pytest.log").toFile());
    Map<String, String> env = pytest.environment();
    env.put("MILLRACE_TRINO_URI", "trino://superset@" + trino.getHost() + ":" + trino.getPort());
    env.put("MILLRACE_TEST_DATA", data.toString());
    env.put("MILLRACE_TEST_OUT", OUT.toString());
    env.put("MILLRACE_CHROMIUM", chromium);
    env.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    Process p = pytest.start();
    boolean done = p.waitFor(15, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    String log = Files.readString(OUT.resolve("pytest.log"));
    System.out.println(log);
    assertThat(done && p.exitValue() == 0).as("pytest passed (see target/analytics-it/pytest.log):\n" + tail(log))
        .isTrue();
  }

  /** What was loaded, as the pipeline holds it, for the Python side to compute the expected numbers. */
  private static Map<String, Object> loaded(AnalyticsStack stack) {
    List<Map<String, Object>> day = new ArrayList<>();
    for (TestEvent e : stack.day) {
      EnrichedEvent proto = e.toProto();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("eventId", e.eventId());
      m.put("eventType", e.eventType());
      m.put("occurredAt", e.occurredAt().toString());
      m.put("receivedAt", e.receivedAt().toString());
      m.put("anonymousId", e.anonymousId());
      m.put("userId", e.userId());
      m.put("pageUrl", e.pageUrl());
      m.put("source", e.source());
      m.put("payloadJson", e.payloadJson());
      boolean hasCampaign = proto.getEnrichment().hasCampaign();
      m.put("campaign", hasCampaign ? proto.getEnrichment().getCampaign().getName() : null);
      m.put("utmSource", hasCampaign ? proto.getEnrichment().getCampaign().getSource() : null);
      m.put("utmMedium", hasCampaign ? proto.getEnrichment().getCampaign().getMedium() : null);
      day.add(m);
    }
    Map<String, Object> loaded = new LinkedHashMap<>();
    loaded.put("day", day);
    loaded.put("realtimeEvents", stack.realtimeEvents);
    loaded.put("deadLetters", stack.deadLetters);
    loaded.put("loadedAt", stack.loadedAt.toString());
    return loaded;
  }

  /** Runs a project script from the module folder; its stdout is the answer, its stderr goes to ours. */
  private static String run(Duration timeout, String script) {
    Instant start = Instant.now();
    try {
      Process p = new ProcessBuilder("bash", script).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(script + " failed");
      }
      System.out.println(script + " took " + Duration.between(start, Instant.now()).toSeconds() + " s");
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String tail(String log) {
    String[] lines = log.split("\n");
    return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 60), lines.length));
  }
}
