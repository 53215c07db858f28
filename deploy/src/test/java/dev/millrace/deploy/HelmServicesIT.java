package dev.millrace.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.localrun.service.ServiceProcess;
import dev.millrace.localrun.service.ServicePlans;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart configures the real services: each of the five is started from its shipped jar
 * with exactly the environment the chart's Deployment gives its container (its ConfigMaps, Secrets
 * and env, as Kubernetes assembles them), with only the cluster's addresses mapped to the local
 * stack ({@link ComposeStack}). A key a service requires and the chart omits, a wrong value or a
 * wrong Service name makes a service fail to start or the event below not arrive. And the alerts
 * the chart ships query metrics the services really export.
 */
class HelmServicesIT {

  static ComposeStack stack;

  /** The chart's environments, rendered from values an operator would give for this .env. */
  static final ComposeStack.Environments HELM = new ComposeStack.Environments() {
    private final Map<Map<String, String>, List<HasMetadata>> rendered = new HashMap<>();

    @Override
    public Map<String, String> of(String service, Map<String, String> dotenv) {
      List<HasMetadata> objects = rendered.computeIfAbsent(Map.copyOf(dotenv), d -> HelmChart.render(values(d)));
      return HelmChart.environment(objects, service, HelmChart.RELEASE + "-" + service + "-0");
    }

    @Override
    public ComposeStack.Addresses addresses() {
      return new ComposeStack.Addresses("kafka:9092", "http://elasticsearch:9200", "http://minio:9000",
          HelmChart.RELEASE + "-enrichment-api:9091", "/var/lib/millrace/");
    }

    @Override
    public boolean setsPorts() {
      return true;
    }
  };

  static Map<String, Object> values(Map<String, String> dotenv) {
    return Map.of(
        "kafka", Map.of("bootstrapServers", "kafka:9092"),
        // One node: replicas could never be assigned.
        "elasticsearch", Map.of("urls", "http://elasticsearch:9200", "indexReplicas", 0),
        "s3", Map.of("endpoint", "http://minio:9000", "bucket", ServicePlans.BUCKET,
            "accessKey", dotenv.get("MINIO_ROOT_USER"), "secretKey", dotenv.get("MINIO_ROOT_PASSWORD")),
        "writeKeys", Map.of("default", dotenv.get("MILLRACE_WRITE_KEY_SHA256")),
        "privacy", Map.of("piiKey", dotenv.get("MILLRACE_PII_KEY")),
        "curation", Map.of("enabled", false));
  }

  @BeforeAll
  static void start() throws Exception {
    Path home = Path.of(System.getProperty("millrace.deploy.home", "target/compose-run")).toAbsolutePath()
        .resolveSibling("helm-run");
    stack = ComposeStack.start(home, (spec, logs) -> ServiceProcess.start(spec,
        spec.jar(ComposeFile.repo(), System.getProperty("millrace.version")), logs, ComposeStack.QUICK_START), HELM);
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void everyServiceStartsAndIsReadyWithTheChartsEnvironment() {
    assertThat(stack.services()).hasSize(ComposeFile.PIPELINE.size()).allSatisfy(p -> assertThat(p.ready()).isTrue());
  }

  @Test
  void anEventSentWithTheChartsWriteKeyBecomesSearchableAndTheAlertsMetricsExist() throws Exception {
    assertThat(stack.sendOneEventAndSearchIt()).as("the event, enriched, in Elasticsearch").contains("\"count\":1");

    // Every metric an alert of the chart queries is one a service exports (a renamed metric would
    // leave an alert that never fires). Dead-letter counters appear with their first dead letter.
    Set<String> wanted = new TreeSet<>();
    Matcher m = Pattern.compile("([a-z_]+)\\{").matcher(String.join("\n", HelmChartTest.alerts(
        HelmChart.render(HelmChart.merge(HelmChartTest.required(),
            Map.of("metrics", Map.of("prometheusRule", Map.of("enabled", true)))))).values()));
    while (m.find()) {
      if (!Set.of("rate", "sum", "max", "increase", "absent").contains(m.group(1))) {
        wanted.add(m.group(1));
      }
    }
    assertThat(wanted).contains("millrace_enricher_dead_letters_total", "kafka_stream_alive_stream_threads");
    sendAnEventOfAnUnknownType();
    HttpClient http = HttpClient.newHttpClient();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    Set<String> missing = new TreeSet<>(wanted);
    while (!missing.isEmpty() && Instant.now().isBefore(deadline)) {
      for (String service : ComposeFile.PIPELINE) {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.httpPort(service)
            + "/actuator/prometheus")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        missing.removeIf(name -> body.contains("\n" + name + "{") || body.contains("\n" + name + " "));
      }
      if (!missing.isEmpty()) {
        Thread.sleep(1000);
      }
    }
    assertThat(missing).as("metrics the alerts query that no service exports").isEmpty();
  }

  /** Valid for the collector, unknown to the enricher: a dead letter of the enricher, then of the index. */
  private static void sendAnEventOfAnUnknownType() throws Exception {
    String event = "{\"event_id\":\"" + UUID.randomUUID() + "\",\"event_type\":\"no_such_type\","
        + "\"schema_version\":\"1-0-0\",\"occurred_at\":\"" + Instant.now() + "\",\"payload\":{}}";
    HttpResponse<String> sent = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + stack.httpPort("collector") + "/v1/events"))
        .header("Content-Type", "application/json").header("X-Millrace-Write-Key", stack.writeKey())
        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
  }
}
