package dev.millrace.localrun.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.localrun.stack.ServerEndpoints;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ServicePlansTest {

  static final ServerEndpoints INFRA = new ServerEndpoints("127.0.0.1:39092", "http://127.0.0.1:39200", "http://127.0.0.1:39000",
      "access", "secret", "us-east-1");
  static final ServicePlans.Settings SETTINGS =
      new ServicePlans.Settings("wk_demo_key", "pii-key", Path.of("/tmp/state"), "10s");

  final List<ServiceSpec> plan = ServicePlans.plan(INFRA, ServicePorts.defaults(), SETTINGS);

  private ServiceSpec service(String name) {
    return plan.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void theEnrichmentApiStartsBeforeTheEnricherThatCallsIt() {
    assertThat(plan).extracting(ServiceSpec::name)
        .containsExactly("enrichment-api", "collector", "enricher", "realtime-loader", "batch-loader");
  }

  @Test
  void everyServiceRunsItsShippedExecJarWithASmallHeap() {
    assertThat(service("collector").jar(Path.of("/repo"), "0.1.0-SNAPSHOT"))
        .isEqualTo(Path.of("/repo/collector-service/target/millrace-collector-service-0.1.0-SNAPSHOT-exec.jar"));
    Pattern heap = Pattern.compile("(25[6-9]|2[6-9]\\d|[34]\\d\\d|5[01][0-2])m");
    assertThat(plan).allSatisfy(s -> assertThat(s.heap()).matches(heap));
  }

  @Test
  void everyServiceListensOnItsDocumentedPortAndServesReadiness() {
    assertThat(plan).extracting(ServiceSpec::httpPort).containsExactly(8081, 8080, 8082, 8083, 8084);
    assertThat(service("collector").env()).containsEntry("MILLRACE_COLLECTOR_GRPC_PORT", "9090");
    assertThat(service("enrichment-api").env()).containsEntry("MILLRACE_ENRICHMENT_GRPC_PORT", "9091");
    assertThat(service("enricher").env().values()).contains("127.0.0.1:9091");
    assertThat(plan).allSatisfy(s -> {
      assertThat(s.env()).containsEntry("SERVER_PORT", Integer.toString(s.httpPort()));
      assertThat(s.readinessUrl()).endsWith(":" + s.httpPort() + "/actuator/health/readiness");
    });
  }

  @Test
  void configurationIsOnlyEnvironmentVariablesInTheServicesNamespaces() {
    Map<String, String> prefixes = Map.of("enrichment-api", "MILLRACE_ENRICHMENT_", "collector", "MILLRACE_COLLECTOR_",
        "enricher", "MILLRACE_ENRICHER_", "realtime-loader", "MILLRACE_REALTIME_", "batch-loader", "MILLRACE_BATCH_");
    assertThat(plan).allSatisfy(s -> assertThat(s.env().keySet()).allSatisfy(key -> assertThat(key)
        .matches("[A-Z0-9_]+")
        .satisfiesAnyOf(k -> assertThat(k).startsWith(prefixes.get(s.name())),
            // the realtime loader pseudonymises dead letters' originals with the API's settings
            k -> assertThat(s.name() + " " + k).startsWith("realtime-loader MILLRACE_ENRICHMENT_PII_"),
            k -> assertThat(k).startsWith("SERVER_"), k -> assertThat(k).startsWith("MANAGEMENT_"))));
  }

  @Test
  void theCollectorKnowsOnlyTheHashOfTheWriteKey() {
    Map<String, String> env = service("collector").env();
    assertThat(env.values()).doesNotContain("wk_demo_key");
    assertThat(env).containsEntry("MILLRACE_COLLECTOR_WRITEKEYS_DEMO", ServicePlans.sha256("wk_demo_key"));
    assertThat(ServicePlans.sha256("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void snowplowTrackersOfTheDemoAppIdCountAsTheDemoWriteKey() {
    // Spring lower-cases map keys bound from the environment: the app id must already be lower case.
    assertThat(ServicePlans.SNOWPLOW_APP_ID).matches("[a-z0-9]+");
    assertThat(service("collector").env()).containsEntry("MILLRACE_COLLECTOR_SNOWPLOW_APPIDS_DEMOWEB", "demo");
  }

  @Test
  void theSignupEmailIsPseudonymisedInEventsAndInDeadLettersAlike() {
    for (String name : List.of("enrichment-api", "realtime-loader")) {
      assertThat(service(name).env()).as(name)
          .containsEntry("MILLRACE_ENRICHMENT_PII_KEY", "pii-key")
          .containsEntry("MILLRACE_ENRICHMENT_PII_PAYLOADPATHS_0_", "$.email");
    }
  }

  @Test
  void kafkaUsersGetTheBrokerAndTheLoadersTheirStores() {
    for (String name : List.of("collector", "enricher", "realtime-loader", "batch-loader")) {
      assertThat(service(name).env().values()).as(name).contains("127.0.0.1:39092");
    }
    assertThat(service("realtime-loader").env().values()).contains("http://127.0.0.1:39200");
    assertThat(service("batch-loader").env().values())
        .contains("http://127.0.0.1:39000", "access", "secret", "us-east-1", ServicePlans.BUCKET);
  }

  @Test
  void withADemoHistoryTheBatchLoaderPartitionsByOccurredAtAndMarksPastHoursAsSoonAsTheyAreSent() {
    // Spring's canonical environment form of millrace.batch.partition-by and marker.* (batch-loader/README.md).
    assertThat(ServicePlans.demoHistoryBatch()).containsExactly(
        Map.entry("MILLRACE_BATCH_PARTITIONBY", "OCCURRED_AT"),
        Map.entry("MILLRACE_BATCH_MARKER_GRACE", "5m"),
        Map.entry("MILLRACE_BATCH_MARKER_IDLEAFTER", "30m"),
        Map.entry("MILLRACE_BATCH_MARKER_CHECKINTERVAL", "5s"));
    assertThat(service("batch-loader").env()).doesNotContainKey("MILLRACE_BATCH_PARTITIONBY");
  }
}
