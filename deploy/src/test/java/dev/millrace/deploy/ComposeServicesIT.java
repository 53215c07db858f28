package dev.millrace.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.localrun.service.Ports;
import dev.millrace.localrun.service.ServicePlans;
import dev.millrace.localrun.service.ServiceProcess;
import dev.millrace.localrun.service.ServiceSpec;
import dev.millrace.localrun.stack.Infra;
import dev.millrace.localrun.stack.LocalStackInfra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compose file configures the real services: each of the five is started from its shipped jar
 * with exactly the environment {@code docker-compose.yml} gives its container, interpolated from an
 * {@code .env} as {@code docker compose} would, with only what Docker itself would change mapped:
 * the compose host names (kafka, elasticsearch, minio, enrichment-api) to the local stack's
 * addresses, the container paths to temporary folders, and the published ports to free ones.
 * A key a service requires and compose omits, a wrong value or a wrong host makes a service fail
 * to start or the event below not arrive.
 */
class ComposeServicesIT {

  private static final Duration READY = Duration.ofMinutes(3);
  private static final String WRITE_KEY = "it-" + UUID.randomUUID();

  static Infra infra;
  static final List<ServiceProcess> running = new ArrayList<>();
  static Map<String, Integer> httpPorts = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    infra = LocalStackInfra.start(3, ServicePlans.TOPICS, ServicePlans.BUCKET);
    Path home = Path.of(System.getProperty("millrace.deploy.home", "target/compose-run")).toAbsolutePath();
    Path logs = home.resolve("logs");
    Path volumes = Files.createDirectories(home.resolve("volumes"));
    Ports ports = Ports.choose(Ports.Choice.FREE);

    // The .env a user would write, with the local stack's S3 credentials as MinIO's root user.
    Map<String, String> dotenv = new LinkedHashMap<>();
    dotenv.put("MILLRACE_WRITE_KEY_SHA256", ServicePlans.sha256(WRITE_KEY));
    dotenv.put("MILLRACE_PII_KEY", UUID.randomUUID() + "-" + UUID.randomUUID());
    dotenv.put("MINIO_ROOT_USER", infra.s3AccessKey());
    dotenv.put("MINIO_ROOT_PASSWORD", infra.s3SecretKey());

    ComposeFile compose = ComposeFile.load();
    Map<String, String> hosts = Map.of(
        "kafka:9092", infra.bootstrapServers(),
        "http://elasticsearch:9200", infra.elasticsearchUrl(),
        "http://minio:9000", infra.s3Endpoint(),
        "enrichment-api:9091", "127.0.0.1:" + ports.enrichmentGrpc(),
        "/var/lib/millrace/", volumes + "/");
    Map<String, Map<String, String>> published = Map.of(
        "enrichment-api", Map.of("SERVER_PORT", "" + ports.enrichmentHttp(),
            "MILLRACE_ENRICHMENT_GRPC_PORT", "" + ports.enrichmentGrpc()),
        "collector", Map.of("SERVER_PORT", "" + ports.collectorHttp(),
            "MILLRACE_COLLECTOR_GRPC_PORT", "" + ports.collectorGrpc()),
        "enricher", Map.of("SERVER_PORT", "" + ports.enricherHttp()),
        "realtime-loader", Map.of("SERVER_PORT", "" + ports.realtimeHttp()),
        "batch-loader", Map.of("SERVER_PORT", "" + ports.batchHttp()));

    List<ServiceSpec> plan = ServicePlans.plan(infra, ports,
        new ServicePlans.Settings(WRITE_KEY, "unused", volumes, "10s"));
    for (String name : ComposeFile.PIPELINE) {
      ServiceSpec local = plan.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
      Map<String, String> env = new LinkedHashMap<>();
      compose.environment(name, dotenv).forEach((k, v) -> env.put(k, mapHosts(v, hosts)));
      // Compose publishes the container's ports; here they are moved to free ones instead.
      assertThat(env).as(name + " leaves its ports to the image").doesNotContainKeys(
          published.get(name).keySet().toArray(String[]::new));
      env.putAll(published.get(name));
      ServiceSpec spec = new ServiceSpec(name, local.module(), local.artifactId(), local.heap(),
          Integer.parseInt(published.get(name).get("SERVER_PORT")), env);
      httpPorts.put(name, spec.httpPort());
      ServiceProcess p = ServiceProcess.start(spec, spec.jar(ComposeFile.repo(),
          System.getProperty("millrace.version")), logs, List.of());
      LocalStackInfra.adopt(name, p.handle());
      running.add(p);
    }
    for (ServiceProcess p : running) {
      p.awaitReady(READY);
    }
  }

  @AfterAll
  static void stop() {
    running.forEach(p -> p.stop(Duration.ofSeconds(20)));
    LocalStackInfra.stop();
  }

  private static String mapHosts(String value, Map<String, String> hosts) {
    String out = value;
    for (Map.Entry<String, String> h : hosts.entrySet()) {
      out = out.replace(h.getKey(), h.getValue());
    }
    return out;
  }

  @Test
  void everyServiceStartsAndIsReadyWithTheComposeEnvironment() {
    assertThat(running).hasSize(ComposeFile.PIPELINE.size()).allSatisfy(p -> assertThat(p.ready()).isTrue());
  }

  @Test
  void anEventSentWithTheComposeWriteKeyBecomesSearchable() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String id = UUID.randomUUID().toString();
    String event = "{\"event_id\":\"" + id + "\",\"event_type\":\"page_view\",\"schema_version\":\"1-0-0\","
        + "\"occurred_at\":\"" + Instant.now() + "\",\"payload\":{\"path\":\"/compose\"}}";
    HttpResponse<String> sent = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + httpPorts.get("collector") + "/v1/events"))
        .header("Content-Type", "application/json").header("X-Millrace-Write-Key", WRITE_KEY)
        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
    assertThat(sent.body()).contains("EVENT_STATUS_ACCEPTED");

    // collector -> Kafka -> enricher -> enrichment API -> realtime loader -> Elasticsearch
    URI search = URI.create(infra.elasticsearchUrl() + "/millrace-events-*/_count?q=event_id:%22" + id + "%22");
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    String count = "";
    while (Instant.now().isBefore(deadline)) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(search).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      count = r.body();
      if (r.statusCode() == 200 && count.contains("\"count\":1")) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(count).as("the event, enriched, in Elasticsearch").contains("\"count\":1");
  }
}
