package dev.millrace.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.localrun.service.ServicePorts;
import dev.millrace.localrun.service.ServicePlans;
import dev.millrace.localrun.service.ServiceProcess;
import dev.millrace.localrun.service.ServiceSpec;
import dev.millrace.localrun.stack.ServerEndpoints;
import dev.millrace.localrun.stack.BackingServers;
import java.io.IOException;
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

/**
 * The five services of {@code docker-compose.yml} on the local stack (real Kafka, Elasticsearch and
 * S3), each with exactly the environment compose gives its container, interpolated from an
 * {@code .env} as {@code docker compose} would. Only what Docker itself would change is mapped: the
 * compose host names (kafka, elasticsearch, minio, enrichment-api) to the local stack's addresses,
 * the container paths to temporary folders, and the published ports to free ones. How a service is
 * run (its jar, or its image's file system) is the {@link Runner}'s; where the environments come
 * from (the compose file, or the Helm chart) is the {@link Environments}'.
 */
final class ComposeStack implements AutoCloseable {

  /** Starts one service; {@code spec} has its whole environment and its HTTP port. */
  interface Runner {
    ServiceProcess start(ServiceSpec spec, Path logs) throws IOException, InterruptedException;

    /**
     * Where a container path such as {@code /var/lib/millrace/enricher} is for this runner: a
     * process on this machine gets a folder under {@code volumes}; a runner with its own file
     * system keeps the path.
     */
    default String volumes(Path volumes) {
      return volumes + "/";
    }
  }

  /**
   * Where each service's environment comes from, given the secrets a user sets (the {@code .env}'s
   * names: MILLRACE_WRITE_KEY_SHA256, MILLRACE_PII_KEY, MINIO_ROOT_USER, MINIO_ROOT_PASSWORD).
   */
  interface Environments {
    Map<String, String> of(String service, Map<String, String> dotenv);

    /** The addresses as they are written in those environments, to be mapped to the local stack. */
    Addresses addresses();

    /**
     * Whether the environments set the ports the services listen on (the chart: its Services and
     * probes use them) rather than leaving them to the image (compose publishes the image's).
     */
    boolean setsPorts();
  }

  /** Kafka's bootstrap servers, Elasticsearch's and S3's URLs, the enrichment API's gRPC target, the state folders' parent. */
  record Addresses(String kafka, String elasticsearch, String s3, String enrichmentApi, String state) {}

  /** The compose file's environments, interpolated from the {@code .env}. */
  static final Environments COMPOSE = new Environments() {
    private final ComposeFile compose = ComposeFile.load();

    @Override
    public Map<String, String> of(String service, Map<String, String> dotenv) {
      return compose.environment(service, dotenv);
    }

    @Override
    public Addresses addresses() {
      return new Addresses("kafka:9092", "http://elasticsearch:9200", "http://minio:9000", "enrichment-api:9091",
          "/var/lib/millrace/");
    }

    @Override
    public boolean setsPorts() {
      return false;
    }
  };

  /**
   * JVM options for services run as processes here: these checks are short, so the client
   * compiler alone; five JVMs start markedly faster on a small machine without C2's threads.
   */
  static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1");

  private static final Duration READY = Duration.ofMinutes(3);

  private final String writeKey = "it-" + UUID.randomUUID();
  private final List<ServiceProcess> running = new ArrayList<>();
  private final Map<String, Integer> httpPorts = new LinkedHashMap<>();
  private final ServerEndpoints infra;

  private ComposeStack(ServerEndpoints infra) {
    this.infra = infra;
  }

  static ComposeStack start(Path home, Runner runner) throws IOException, InterruptedException {
    return start(home, runner, COMPOSE);
  }

  static ComposeStack start(Path home, Runner runner, Environments environments)
      throws IOException, InterruptedException {
    ComposeStack stack = new ComposeStack(BackingServers.start(3, ServicePlans.TOPICS, ServicePlans.BUCKET));
    try {
      stack.startServices(home, runner, environments);
      return stack;
    } catch (IOException | InterruptedException | RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  private void startServices(Path home, Runner runner, Environments environments)
      throws IOException, InterruptedException {
    Path logs = home.resolve("logs");
    Path volumes = Files.createDirectories(home.resolve("volumes"));
    ServicePorts ports = ServicePorts.choose(ServicePorts.Choice.FREE);

    // The .env a user would write, with the local stack's S3 credentials as MinIO's root user.
    Map<String, String> dotenv = new LinkedHashMap<>();
    dotenv.put("MILLRACE_WRITE_KEY_SHA256", ServicePlans.sha256(writeKey));
    dotenv.put("MILLRACE_PII_KEY", UUID.randomUUID() + "-" + UUID.randomUUID());
    dotenv.put("MINIO_ROOT_USER", infra.s3AccessKey());
    dotenv.put("MINIO_ROOT_PASSWORD", infra.s3SecretKey());

    Addresses addresses = environments.addresses();
    Map<String, String> hosts = Map.of(
        addresses.kafka(), infra.bootstrapServers(),
        addresses.elasticsearch(), infra.elasticsearchUrl(),
        addresses.s3(), infra.s3Endpoint(),
        addresses.enrichmentApi(), "127.0.0.1:" + ports.enrichmentGrpc(),
        addresses.state(), runner.volumes(volumes));
    Map<String, Map<String, String>> published = published(ports);
    Map<String, Map<String, String>> defaults = published(ServicePorts.defaults());

    List<ServiceSpec> plan = ServicePlans.plan(infra, ports,
        new ServicePlans.Settings(writeKey, "unused", volumes, "10s"));
    for (String name : ComposeFile.PIPELINE) {
      ServiceSpec local = plan.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
      Map<String, String> env = new LinkedHashMap<>();
      environments.of(name, dotenv).forEach((k, v) -> env.put(k, mapHosts(v, hosts)));
      if (environments.setsPorts()) {
        // The chart sets the ports its Services and probes use: the images' own (local-run's defaults).
        assertThat(env).as(name + " listens where its Service and probes point")
            .containsAllEntriesOf(defaults.get(name));
      } else {
        // Compose publishes the container's ports.
        assertThat(env).as(name + " leaves its ports to the image").doesNotContainKeys(
            published.get(name).keySet().toArray(String[]::new));
      }
      // Here they are moved to free ones.
      env.putAll(published.get(name));
      ServiceSpec spec = new ServiceSpec(name, local.module(), local.artifactId(), local.heap(),
          Integer.parseInt(published.get(name).get("SERVER_PORT")), env);
      httpPorts.put(name, spec.httpPort());
      ServiceProcess p = runner.start(spec, logs);
      BackingServers.adopt(name, p.handle());
      running.add(p);
    }
    for (ServiceProcess p : running) {
      p.awaitReady(READY);
    }
  }

  /** The ports each service listens on, as the variables that set them. */
  private static Map<String, Map<String, String>> published(ServicePorts ports) {
    return Map.of(
        "enrichment-api", Map.of("SERVER_PORT", "" + ports.enrichmentHttp(),
            "MILLRACE_ENRICHMENT_GRPC_PORT", "" + ports.enrichmentGrpc()),
        "collector", Map.of("SERVER_PORT", "" + ports.collectorHttp(),
            "MILLRACE_COLLECTOR_GRPC_PORT", "" + ports.collectorGrpc()),
        "enricher", Map.of("SERVER_PORT", "" + ports.enricherHttp()),
        "realtime-loader", Map.of("SERVER_PORT", "" + ports.realtimeHttp()),
        "batch-loader", Map.of("SERVER_PORT", "" + ports.batchHttp()));
  }

  private static String mapHosts(String value, Map<String, String> hosts) {
    String out = value;
    for (Map.Entry<String, String> h : hosts.entrySet()) {
      out = out.replace(h.getKey(), h.getValue());
    }
    return out;
  }

  /** The write key producers send (the services got only its SHA-256). */
  String writeKey() {
    return writeKey;
  }

  /** The HTTP port a service was started on (actuator, and the collector's REST API). */
  int httpPort(String service) {
    return httpPorts.get(service);
  }

  List<ServiceProcess> services() {
    return List.copyOf(running);
  }

  /**
   * Sends one valid event with the {@code .env}'s write key and waits until it is searchable:
   * collector, Kafka, enricher, enrichment API, realtime loader and Elasticsearch all configured
   * right. Returns what Elasticsearch's count said last.
   */
  String sendOneEventAndSearchIt() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    String id = UUID.randomUUID().toString();
    String event = "{\"event_id\":\"" + id + "\",\"event_type\":\"page_view\",\"schema_version\":\"1-0-0\","
        + "\"occurred_at\":\"" + Instant.now() + "\",\"payload\":{\"path\":\"/compose\"}}";
    HttpResponse<String> sent = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + httpPorts.get("collector") + "/v1/events"))
        .header("Content-Type", "application/json").header("X-Millrace-Write-Key", writeKey)
        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
    assertThat(sent.body()).contains("EVENT_STATUS_ACCEPTED");

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
    return count;
  }

  /**
   * Stops the services. The local stack's servers are this JVM's and stay up for the next stack
   * of the same test run (the compose and the Helm ITs share them: starting Elasticsearch and
   * Kafka again would add most of a minute); local-stack stops them when the JVM exits.
   */
  @Override
  public void close() {
    running.forEach(p -> p.stop(Duration.ofSeconds(20)));
  }
}
