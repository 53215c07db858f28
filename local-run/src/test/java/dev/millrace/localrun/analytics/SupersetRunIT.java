package dev.millrace.localrun.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.localstack.FreePorts;
import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.TrinoServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Superset as {@code ./millrace up} starts it ({@link SupersetRun}, hence {@code analytics/bin/superset-serve}),
 * against local-stack's Trino, which the dashboards' import connects to. Only Trino (with PostgreSQL
 * and S3 for its catalog) is started: no pipeline, no data; the dashboards' contents are
 * {@code analytics}' DashboardsIT's job.
 */
class SupersetRunIT {

  @TempDir Path dir;

  @Test
  void supersetAnswersHealthAndAUserLoggedInWithTheRunsLoginSeesTheDashboards() throws Exception {
    TrinoServer trino = LocalStack.trino();
    Path log = Files.createDirectories(Path.of("target", "superset-it")).resolve("superset.log");
    Files.deleteIfExists(log);
    SupersetRun.Login login = SupersetRun.Login.random();
    try (SupersetRun superset = SupersetRun.start(SupersetRunTest.REPO, dir.resolve("superset"), trino.url(),
        FreePorts.free(), login, log)) {
      assertThat(superset.awaitStarted(Duration.ofMinutes(15))).as("started or failed; see " + log).isTrue();
      assertThat(superset.state().phase()).as(superset.state().detail()).isEqualTo(SupersetRun.Phase.READY);
      HttpResponse<String> health = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(superset.url() + "/health")).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(SupersetRun.dashboards(superset.url(), login))
          .containsExactly("Acquisition", "Commerce funnel", "Product overview", "Realtime and pipeline health");
      assertThat(superset.state().detail()).startsWith("4 dashboards: ");
      System.out.println("Superset ready in " + superset.startTime().orElseThrow().toSeconds() + " s");
    }
    // The secrets went to Superset through its environment, never to its log.
    assertThat(Files.readString(log)).doesNotContain(login.password()).doesNotContain(login.secretKey());
  }
}
