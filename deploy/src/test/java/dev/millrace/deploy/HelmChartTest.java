package dev.millrace.deploy;

import static dev.millrace.deploy.HelmChart.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import dev.millrace.localrun.service.ServicePorts;
import dev.millrace.localrun.service.ServicePlans;
import dev.millrace.localrun.service.ServiceSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart, rendered by real Helm: strict lint, strict values, only fields Kubernetes knows,
 * and the promises an operator relies on (probes, hardening, disruption budgets, rolling on config
 * changes, only the architecture's network flows, settings each service reads, the names the Airflow
 * DAG expects).
 */
class HelmChartTest {

  static final String WRITE_KEY_SHA256 = ServicePlans.sha256("helm-test-write-key");

  /** The values an install must give: the chart refuses to render without them. */
  static Map<String, Object> required() {
    return Map.of(
        "writeKeys", Map.of("default", WRITE_KEY_SHA256),
        "privacy", Map.of("piiKey", "pii-key-of-at-least-thirty-two-bytes!"),
        "curation", Map.of("catalogPassword", "catalog-password"));
  }

  /** The smallest install: the pipeline alone, one pod each, no curation, no policies. */
  static Map<String, Object> minimal() {
    Map<String, Object> services = new LinkedHashMap<>();
    for (String s : ComposeFile.PIPELINE) {
      services.put(s, Map.of("replicas", 1, "pdb", Map.of("enabled", false, "maxUnavailable", 1)));
    }
    return Map.of(
        "writeKeys", Map.of("default", WRITE_KEY_SHA256),
        "privacy", Map.of("piiKey", "pii-key-of-at-least-thirty-two-bytes!"),
        "kafka", Map.of("topics", Map.of("create", false)),
        "networkPolicy", Map.of("enabled", false),
        "podDefaults", Map.of("topologySpread", false),
        "curation", Map.of("enabled", false),
        "services", services);
  }

  /** Every option on: credentials, buckets, Ingress, HPAs, monitoring, the CronJob, hard anti-affinity. */
  static Map<String, Object> production() {
    return HelmChart.merge(required(), Map.of(
        "elasticsearch", Map.of("urls", "https://es.example.com:443", "username", "millrace", "password", "es-password"),
        "s3", Map.of("endpoint", "https://s3.example.com", "accessKey", "s3-access", "secretKey", "s3-secret",
            "buckets", Map.of("create", true)),
        "ingress", Map.of("enabled", true, "className", "nginx",
            "hosts", List.of(Map.of("host", "events.example.com",
                "paths", List.of(Map.of("path", "/v1/events", "pathType", "Prefix")))),
            "tls", List.of(Map.of("secretName", "events-tls", "hosts", List.of("events.example.com")))),
        "networkPolicy", Map.of("collectorFrom", List.of(Map.of("namespaceSelector",
            Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "ingress-nginx"))))),
        "metrics", Map.of("serviceMonitor", Map.of("enabled", true, "labels", Map.of("release", "prometheus")),
            "prometheusRule", Map.of("enabled", true)),
        "podDefaults", Map.of("antiAffinity", "hard"),
        "curation", Map.of("cronJob", Map.of("enabled", true), "config",
            Map.of("MILLRACE_CURATION_DEDUP_LOOKBACK_DAYS", "5")),
        "services", Map.of(
            "collector", Map.of("autoscaling", Map.of("enabled", true)),
            "enrichment-api", Map.of("autoscaling", Map.of("enabled", true)),
            "enricher", Map.of("config", Map.of("MILLRACE_ENRICHER_ENRICHMENT_BATCHSIZE", "200")))));
  }

  /** Every secret from Secrets the operator manages: the chart renders none of its own. */
  static Map<String, Object> existingSecrets() {
    Map<String, Object> services = new LinkedHashMap<>();
    for (String s : ComposeFile.PIPELINE) {
      services.put(s, Map.of("existingSecret", "ops-" + s));
    }
    return Map.of("privacy", Map.of("existingSecret", "ops-privacy"),
        "curation", Map.of("existingSecret", "ops-curation"),
        "s3", Map.of("buckets", Map.of("create", true, "existingSecret", "ops-buckets")),
        "services", services);
  }

  static final Map<String, Map<String, Object>> VARIANTS = new LinkedHashMap<>();
  static final Map<String, List<HasMetadata>> RENDERED = new LinkedHashMap<>();

  @BeforeAll
  static void render() {
    VARIANTS.put("defaults", required());
    VARIANTS.put("minimal", minimal());
    VARIANTS.put("production", production());
    VARIANTS.put("existing secrets", existingSecrets());
    // Parsing asserts that every manifest is a known kind with no field Kubernetes does not know.
    VARIANTS.forEach((name, values) -> RENDERED.put(name, HelmChart.render(values)));
  }

  @Test
  void lintStrictPassesForTheChartAsShippedAndEveryVariant() {
    Map<String, Map<String, Object>> all = new LinkedHashMap<>(VARIANTS);
    all.put("as shipped", Map.of());
    all.forEach((name, values) -> {
      LintResult lint = HelmChart.lint(values);
      assertThat(lint.isFailed()).as(name + ": " + lint.getMessages()).isFalse();
      assertThat(lint.getMessages()).as(name).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    });
  }

  @Test
  void withoutItsSecretsTheChartRefusesToRenderNamingTheValue() {
    assertThatThrownBy(() -> HelmChart.template(Map.of()))
        .hasMessageContaining("writeKeys: set at least one write key");
    assertThatThrownBy(() -> HelmChart.template(Map.of("writeKeys", Map.of("default", WRITE_KEY_SHA256))))
        .hasMessageContaining("privacy.piiKey: set the PII key");
    assertThatThrownBy(() -> HelmChart.template(HelmChart.merge(required(),
        Map.of("privacy", Map.of("piiKey", "too-short")))))
        .hasMessageContaining("privacy.piiKey: set the PII key (32+ bytes)");
  }

  @Test
  void aKafkaConsumerCannotHaveMorePodsThanPartitions() {
    assertThatThrownBy(() -> HelmChart.template(HelmChart.merge(required(), Map.of(
        "kafka", Map.of("topics", Map.of("partitions", 3)),
        "services", Map.of("batch-loader", Map.of("replicas", 4))))))
        .hasMessageContaining("services.batch-loader.replicas: 4 is more than kafka.topics.partitions (3)");
    assertThat(HelmChart.render(HelmChart.merge(required(), Map.of(
        "kafka", Map.of("topics", Map.of("partitions", 3)),
        "services", Map.of("batch-loader", Map.of("replicas", 3), "collector", Map.of("replicas", 4))))))
        .isNotEmpty();
  }

  @Test
  void unknownKeysAndWrongTypesFailWithHelmsSchemaMessage() {
    assertThatThrownBy(() -> HelmChart.template(HelmChart.merge(required(), Map.of("replicaCount", 3))))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("additional properties 'replicaCount' not allowed");
    assertThatThrownBy(() -> HelmChart.template(HelmChart.merge(required(),
        Map.of("services", Map.of("collector", Map.of("replicaz", 3))))))
        .hasMessageContaining("at '/services/collector': additional properties 'replicaz' not allowed");
    assertThatThrownBy(() -> HelmChart.template(HelmChart.merge(required(),
        Map.of("services", Map.of("enricher", Map.of("replicas", "two"))))))
        .hasMessageContaining("at '/services/enricher/replicas': got string, want integer");
    // Only the collector and the enrichment API scale on CPU; a Kafka consumer's replicas are bounded by partitions.
    assertThatThrownBy(() -> HelmChart.template(HelmChart.merge(required(),
        Map.of("services", Map.of("enricher", Map.of("autoscaling", Map.of("enabled", true)))))))
        .hasMessageContaining("additional properties 'autoscaling' not allowed");
    assertThatThrownBy(() -> HelmChart.template(HelmChart.merge(required(),
        Map.of("writeKeys", Map.of("default", "not-a-hash")))))
        .hasMessageContaining("/writeKeys/default");
  }

  @Test
  void aFieldKubernetesDoesNotKnowFailsTheParseNamingItsPath() {
    String typo = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d}
        spec:
          selector: {matchLabels: {a: b}}
          template:
            metadata: {labels: {a: b}}
            spec:
              containers:
                - name: c
                  image: i
                  readinessProbe: {httpGet: {path: /, port: http}, periodSecond: 5}
        """;
    assertThatThrownBy(() -> HelmChart.parse(typo)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("readinessProbe: [periodSecond]");
    assertThatThrownBy(() -> HelmChart.parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"))
        .hasMessageContaining("a kind no test knows: v1/Pod");
  }

  @Test
  void theSchemaRejectsUnknownKeysInEveryObjectItDeclares() throws IOException {
    var schema = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(HelmChart.dir().resolve("values.schema.json").toFile());
    List<String> open = new ArrayList<>();
    openObjects(schema, "", open);
    assertThat(open).as("objects of the schema that accept any key").isEmpty();
  }

  private static void openObjects(com.fasterxml.jackson.databind.JsonNode node, String path, List<String> out) {
    if (node.has("properties")) {
      if (!node.path("additionalProperties").isBoolean() || node.path("additionalProperties").asBoolean()) {
        out.add(path.isEmpty() ? "/" : path);
      }
      node.get("properties").properties().forEach(e -> openObjects(e.getValue(), path + "/" + e.getKey(), out));
    }
  }

  @Test
  void eachServiceRunsItsImageOfThisVersionOnLocalRunsPorts() {
    ServicePorts ports = ServicePorts.defaults();
    Map<String, List<Integer>> expected = Map.of(
        "collector", List.of(ports.collectorHttp(), ports.collectorGrpc()),
        "enrichment-api", List.of(ports.enrichmentHttp(), ports.enrichmentGrpc()),
        "enricher", List.of(ports.enricherHttp()),
        "realtime-loader", List.of(ports.realtimeHttp()),
        "batch-loader", List.of(ports.batchHttp()));
    List<HasMetadata> objects = RENDERED.get("defaults");
    for (ServiceSpec spec : ComposeFileTest.plan()) {
      Container c = container(HelmChart.deployment(objects, spec.name()));
      assertThat(c.getImage()).isEqualTo("millrace/" + spec.module() + ":" + ComposeFileTest.version("millrace.version"));
      assertThat(c.getPorts()).extracting(ContainerPort::getContainerPort).as(spec.name())
          .containsExactlyElementsOf(expected.get(spec.name()));
      Service svc = HelmChart.named(objects, Service.class, RELEASE + "-" + spec.name());
      assertThat(svc.getSpec().getPorts()).extracting(p -> p.getPort()).containsExactlyElementsOf(expected.get(spec.name()));
      // The port the service listens on is the port Kubernetes probes and routes to.
      assertThat(HelmChart.environment(objects, spec.name(), "pod-0")).containsEntry("SERVER_PORT",
          "" + expected.get(spec.name()).get(0));
    }
  }

  @Test
  void theChartVersionIsTheBuildsVersion() throws IOException {
    String chart = Files.readString(HelmChart.dir().resolve("Chart.yaml"));
    String version = ComposeFileTest.version("millrace.version");
    assertThat(chart).containsPattern("(?m)^version: " + Pattern.quote(version) + "$")
        .containsPattern("(?m)^appVersion: " + Pattern.quote(version) + "$");
  }

  @Test
  void everyServiceHasStartupReadinessAndLivenessProbesOnItsActuator() {
    for (String service : ComposeFile.PIPELINE) {
      Container c = container(HelmChart.deployment(RENDERED.get("defaults"), service));
      assertProbe(c.getStartupProbe(), "/actuator/health/liveness", service);
      assertProbe(c.getLivenessProbe(), "/actuator/health/liveness", service);
      assertProbe(c.getReadinessProbe(), "/actuator/health/readiness", service);
      // A slow start is the startup probe's to wait for, never a liveness restart loop.
      assertThat(c.getStartupProbe().getFailureThreshold() * c.getStartupProbe().getPeriodSeconds())
          .as(service + ": seconds a start may take").isGreaterThanOrEqualTo(120);
    }
  }

  private static void assertProbe(Probe probe, String path, String service) {
    assertThat(probe).as(service).isNotNull();
    assertThat(probe.getHttpGet().getPath()).as(service).isEqualTo(path);
    assertThat(probe.getHttpGet().getPort().getStrVal()).as(service).isEqualTo("http");
  }

  @Test
  void everyPodTheChartCreatesIsHardened() {
    for (var entry : RENDERED.entrySet()) {
      List<PodSpec> pods = pods(entry.getValue());
      assertThat(pods).as(entry.getKey()).isNotEmpty();
      for (PodSpec pod : pods) {
        var psc = pod.getSecurityContext();
        assertThat(psc.getRunAsNonRoot()).isTrue();
        assertThat(psc.getRunAsUser()).as("the images' user").isEqualTo(10001L);
        assertThat(psc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).as("no pod calls the Kubernetes API").isFalse();
        Set<String> emptyDirs = pod.getVolumes().stream().filter(v -> v.getEmptyDir() != null).map(Volume::getName)
            .collect(Collectors.toSet());
        for (Container c : pod.getContainers()) {
          var sc = c.getSecurityContext();
          assertThat(sc.getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
          assertThat(sc.getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
          assertThat(sc.getCapabilities().getDrop()).as(c.getName()).containsExactly("ALL");
          assertThat(sc.getCapabilities().getAdd()).as(c.getName()).isNullOrEmpty();
          // With a read-only root, the JVM's and the tools' temporary files need a writable /tmp.
          assertThat(c.getVolumeMounts()).as(c.getName())
              .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"))
              .allSatisfy(m -> assertThat(emptyDirs).contains(m.getName()));
          assertThat(c.getResources().getRequests()).as(c.getName() + " requests").containsKey("memory");
          assertThat(c.getResources().getLimits()).as(c.getName() + " limits").containsKey("memory");
        }
      }
    }
  }

  @Test
  void podsRunAsTheImagesUserAndGetNoServiceLinkVariables() throws IOException {
    // The images' user is the root pom's Jib <user>: the chart's must be the same.
    Matcher user = Pattern.compile("<user>(\\d+):(\\d+)</user>")
        .matcher(Files.readString(ComposeFile.repo().resolve("pom.xml")));
    assertThat(user.find()).isTrue();
    for (PodSpec pod : pods(RENDERED.get("production"))) {
      assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(Long.parseLong(user.group(1)));
      assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(Long.parseLong(user.group(2)));
      // Kubernetes would otherwise add MILLRACE_COLLECTOR_PORT=tcp://... for the Service
      // millrace-collector, which Spring binds to a key of the collector's configuration.
      assertThat(pod.getEnableServiceLinks()).isFalse();
    }
  }

  @Test
  void theStateDirectoriesTheServicesAreGivenAreWritableVolumes() {
    List<HasMetadata> objects = RENDERED.get("defaults");
    Map<String, String> stateKeys = Map.of("enricher", "MILLRACE_ENRICHER_STREAMS_STATEDIR",
        "batch-loader", "MILLRACE_BATCH_SPILLDIR");
    stateKeys.forEach((service, key) -> {
      String dir = HelmChart.environment(objects, service, "pod-0").get(key);
      assertThat(dir).as(service + " " + key).isNotBlank();
      assertThat(container(HelmChart.deployment(objects, service)).getVolumeMounts())
          .extracting(VolumeMount::getMountPath).as(service).contains(dir);
    });
  }

  @Test
  void eachServiceHasADisruptionBudgetOverItsOwnPodsAndSpreadsOverNodes() {
    List<HasMetadata> objects = RENDERED.get("defaults");
    for (String service : ComposeFile.PIPELINE) {
      Deployment d = HelmChart.deployment(objects, service);
      PodDisruptionBudget pdb = HelmChart.named(objects, PodDisruptionBudget.class, RELEASE + "-" + service);
      assertThat(pdb.getSpec().getSelector()).isEqualTo(d.getSpec().getSelector());
      assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
          .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
      // At least one pod stays while a node drains: a budget of 1 with 2 replicas.
      assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
      assertThat(d.getSpec().getReplicas()).as(service).isGreaterThanOrEqualTo(2);
      PodSpec pod = d.getSpec().getTemplate().getSpec();
      assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
          .singleElement().satisfies(t -> assertThat(t.getPodAffinityTerm().getLabelSelector())
              .isEqualTo(d.getSpec().getSelector()));
      assertThat(pod.getTopologySpreadConstraints()).extracting(t -> t.getTopologyKey())
          .containsExactly("topology.kubernetes.io/zone", "kubernetes.io/hostname");
    }
    // Selectors never overlap: a budget or a Service selects one service's pods only.
    assertThat(all(objects, Deployment.class).stream().map(d -> d.getSpec().getSelector()).distinct()).hasSize(5);
    assertThat(all(RENDERED.get("minimal"), PodDisruptionBudget.class)).isEmpty();
  }

  @Test
  void terminationLeavesEachServiceItsGracefulShutdown() {
    // The services' own shutdown bounds (their READMEs): the Kubernetes grace must outlast them.
    Map<String, Integer> shutdownSeconds = Map.of("collector", 60, "enrichment-api", 20, "enricher", 30,
        "realtime-loader", 30, "batch-loader", 60);
    shutdownSeconds.forEach((service, seconds) -> {
      PodSpec pod = HelmChart.deployment(RENDERED.get("defaults"), service).getSpec().getTemplate().getSpec();
      Container c = pod.getContainers().get(0);
      long preStop = c.getLifecycle() == null ? 0 : c.getLifecycle().getPreStop().getSleep().getSeconds();
      assertThat(pod.getTerminationGracePeriodSeconds()).as(service).isGreaterThan(seconds + preStop);
    });
  }

  @Test
  void aChangedSettingRollsExactlyThePodsThatReadIt() {
    Map<String, Map<String, String>> before = checksums(required());
    Map<String, Map<String, String>> kafka = checksums(HelmChart.merge(required(),
        Map.of("kafka", Map.of("bootstrapServers", "broker-0:9092"))));
    Map<String, Map<String, String>> key = checksums(HelmChart.merge(required(),
        Map.of("writeKeys", Map.of("default", ServicePlans.sha256("another")))));
    Map<String, Map<String, String>> pii = checksums(HelmChart.merge(required(),
        Map.of("privacy", Map.of("piiKey", "another-pii-key-of-thirty-two-bytes"))));
    for (String service : ComposeFile.PIPELINE) {
      boolean readsKafka = !service.equals("enrichment-api");
      assertThat(!kafka.get(service).equals(before.get(service))).as(service + " on a Kafka change").isEqualTo(readsKafka);
      assertThat(!key.get(service).equals(before.get(service))).as(service + " on a write key change")
          .isEqualTo(service.equals("collector"));
      assertThat(!pii.get(service).equals(before.get(service))).as(service + " on a PII key change")
          .isEqualTo(service.equals("enrichment-api") || service.equals("realtime-loader"));
    }
    // The same values render the same checksums: nothing random per render.
    assertThat(checksums(required())).isEqualTo(before);
  }

  private static Map<String, Map<String, String>> checksums(Map<String, Object> values) {
    List<HasMetadata> objects = HelmChart.render(values);
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (String service : ComposeFile.PIPELINE) {
      Map<String, String> annotations = HelmChart.deployment(objects, service).getSpec().getTemplate()
          .getMetadata().getAnnotations();
      out.put(service, annotations.entrySet().stream().filter(e -> e.getKey().startsWith("checksum/"))
          .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }
    return out;
  }

  @Test
  void everySettingTheChartGivesAServiceIsAKeyThatServiceReads() {
    for (String variant : List.of("defaults", "production")) {
      List<HasMetadata> objects = RENDERED.get(variant);
      for (String service : ComposeFile.PIPELINE) {
        ServiceSettings settings = ServiceSettings.of(ComposeFileTest.execJar(service));
        assertThat(HelmChart.environment(objects, service, "pod-0").keySet()).as(variant + " " + service)
            .isNotEmpty()
            .allSatisfy(variable -> assertThat(settings.reads(variable)).as(variable).isTrue());
      }
    }
  }

  @Test
  void secretsAreOnlyInSecretsAndExistingSecretsReplaceThem() {
    Pattern secret = Pattern.compile(".*(PASSWORD|SECRET|_KEY|WRITEKEYS|ACCESSKEY|USERNAME).*");
    for (var entry : RENDERED.entrySet()) {
      for (ConfigMap cm : all(entry.getValue(), ConfigMap.class)) {
        assertThat(cm.getData().keySet()).as(entry.getKey() + " " + cm.getMetadata().getName())
            .noneMatch(k -> secret.matcher(k).matches());
      }
      for (Deployment d : all(entry.getValue(), Deployment.class)) {
        assertThat(container(d).getEnv()).allSatisfy(e -> assertThat(e.getName()).doesNotMatch(secret));
      }
    }
    List<HasMetadata> existing = RENDERED.get("existing secrets");
    assertThat(all(existing, Secret.class)).as("Secrets rendered although existing ones are named").isEmpty();
    for (String service : ComposeFile.PIPELINE) {
      assertThat(container(HelmChart.deployment(existing, service)).getEnvFrom())
          .anySatisfy(f -> assertThat(f.getSecretRef() == null ? null : f.getSecretRef().getName()).isEqualTo("ops-" + service));
    }
    assertThat(all(existing, Job.class).stream().filter(j -> j.getMetadata().getName().contains("-buckets-")))
        .singleElement().satisfies(j -> assertThat(container(j.getSpec().getTemplate().getSpec())
            .getEnvFrom().get(0).getSecretRef().getName()).isEqualTo("ops-buckets"));
    // The values file ships no secret.
    Map<String, Object> defaults = HelmChart.defaults();
    assertThat(((Map<?, ?>) defaults.get("privacy")).get("piiKey")).isEqualTo("");
    assertThat((Map<?, ?>) defaults.get("writeKeys")).isEmpty();
    assertThat(((Map<?, ?>) defaults.get("curation")).get("catalogPassword")).isEqualTo("");
    assertThat(((Map<?, ?>) defaults.get("s3")).get("secretKey")).isEqualTo("");
  }

  @Test
  void theEnrichmentApiAndTheRealtimeLoaderShareOnePseudonymisationSecret() {
    for (String variant : List.of("defaults", "existing secrets")) {
      List<HasMetadata> objects = RENDERED.get(variant);
      Set<String> api = sources(objects, "enrichment-api");
      Set<String> loader = sources(objects, "realtime-loader");
      assertThat(api).as(variant).contains(variant.equals("defaults") ? "secret:millrace-privacy" : "secret:ops-privacy")
          .contains("configMap:millrace-privacy");
      assertThat(loader).containsAll(api.stream().filter(s -> s.contains("privacy")).toList());
    }
  }

  private static Set<String> sources(List<HasMetadata> objects, String service) {
    return container(HelmChart.deployment(objects, service)).getEnvFrom().stream()
        .map(f -> f.getSecretRef() != null ? "secret:" + f.getSecretRef().getName() : "configMap:" + f.getConfigMapRef().getName())
        .collect(Collectors.toSet());
  }

  /**
   * The flows of docs/architecture.md and nothing else: who may reach whom, on which ports. Kafka,
   * Elasticsearch and S3 are outside the cluster, so they are allowed by port.
   */
  @Test
  void networkPoliciesAllowOnlyTheArchitecturesFlows() {
    List<HasMetadata> objects = RENDERED.get("defaults");
    ServicePorts ports = ServicePorts.defaults();
    Map<String, Set<String>> egress = Map.of(
        "collector", Set.of("dns:53", "any:9092"),
        "enrichment-api", Set.of("dns:53"),
        "enricher", Set.of("dns:53", "any:9092", "enrichment-api:" + ports.enrichmentGrpc()),
        "realtime-loader", Set.of("dns:53", "any:9092", "any:9200", "any:443"),
        "batch-loader", Set.of("dns:53", "any:9092", "any:443", "any:9000"));
    Map<String, Set<String>> ingress = Map.of(
        "collector", Set.of("any:http", "any:grpc", "namespaces:http"),
        "enrichment-api", Set.of("enricher:grpc", "namespaces:http"),
        "enricher", Set.of("namespaces:http"),
        "realtime-loader", Set.of("namespaces:http"),
        "batch-loader", Set.of("namespaces:http"));
    for (String service : ComposeFile.PIPELINE) {
      NetworkPolicy np = HelmChart.named(objects, NetworkPolicy.class, RELEASE + "-" + service);
      assertThat(np.getSpec().getPodSelector()).isEqualTo(HelmChart.deployment(objects, service).getSpec().getSelector());
      assertThat(np.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
      Set<String> out = new TreeSet<>();
      for (NetworkPolicyEgressRule r : np.getSpec().getEgress()) {
        for (NetworkPolicyPort p : r.getPorts()) {
          out.add(peer(r.getTo(), p) + ":" + p.getPort().getIntVal());
        }
      }
      assertThat(out).as(service + " egress").isEqualTo(new TreeSet<>(egress.get(service)));
      Set<String> in = new TreeSet<>();
      for (NetworkPolicyIngressRule r : np.getSpec().getIngress()) {
        for (NetworkPolicyPort p : r.getPorts()) {
          in.add(peer(r.getFrom(), p) + ":" + p.getPort().getStrVal());
        }
      }
      assertThat(in).as(service + " ingress").isEqualTo(new TreeSet<>(ingress.get(service)));
    }
    // The collector's producers can be narrowed to the ingress controller.
    NetworkPolicy collector = HelmChart.named(RENDERED.get("production"), NetworkPolicy.class, RELEASE + "-collector");
    assertThat(collector.getSpec().getIngress().get(0).getFrom()).singleElement()
        .satisfies(p -> assertThat(p.getNamespaceSelector().getMatchLabels()).containsValue("ingress-nginx"));
    // ... and Prometheus still scrapes it.
    assertThat(collector.getSpec().getIngress().get(1).getFrom()).singleElement()
        .satisfies(p -> assertThat(p.getNamespaceSelector().getMatchLabels()).isNullOrEmpty());
  }

  private static String peer(List<NetworkPolicyPeer> peers, NetworkPolicyPort port) {
    if (peers == null || peers.isEmpty()) {
      return "UDP".equals(port.getProtocol()) || (port.getPort().getIntVal() != null && port.getPort().getIntVal() == 53)
          ? "dns" : "any";
    }
    NetworkPolicyPeer p = peers.get(0);
    if (p.getPodSelector() != null) {
      return p.getPodSelector().getMatchLabels().get("app.kubernetes.io/component");
    }
    return "namespaces";
  }

  @Test
  void onlyTheCollectorAndTheEnrichmentApiScaleAndTheIngressReachesTheCollector() {
    List<HasMetadata> objects = RENDERED.get("production");
    assertThat(all(objects, HorizontalPodAutoscaler.class)).extracting(h -> h.getSpec().getScaleTargetRef().getName())
        .containsExactlyInAnyOrder(RELEASE + "-collector", RELEASE + "-enrichment-api");
    // An HPA owns the replica count: the Deployment leaves it unset so an upgrade does not reset it.
    assertThat(HelmChart.deployment(objects, "collector").getSpec().getReplicas()).isNull();
    var ingress = all(objects, io.fabric8.kubernetes.api.model.networking.v1.Ingress.class);
    assertThat(ingress).singleElement().satisfies(i -> {
      var backend = i.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService();
      assertThat(backend.getName()).isEqualTo(RELEASE + "-collector");
      assertThat(backend.getPort().getName()).isEqualTo("http");
    });
    assertThat(all(RENDERED.get("defaults"), HorizontalPodAutoscaler.class)).isEmpty();
  }

  @Test
  void theTopicsAndBucketsJobsCreateWhatTheServicesUseIdempotently() {
    List<HasMetadata> objects = RENDERED.get("production");
    List<Job> jobs = all(objects, Job.class);
    assertThat(jobs).hasSize(2).allSatisfy(j -> assertThat(j.getMetadata().getAnnotations())
        .as("Jobs, not hooks").doesNotContainKey("helm.sh/hook"));
    Container topics = container(jobs.stream().filter(j -> j.getMetadata().getName().contains("-topics-"))
        .findFirst().orElseThrow().getSpec().getTemplate().getSpec());
    String script = topics.getCommand().get(2);
    Matcher m = Pattern.compile("for topic in ([^;]+);").matcher(script);
    assertThat(m.find()).isTrue();
    assertThat(List.of(m.group(1).split(" "))).isEqualTo(ServicePlans.TOPICS);
    assertThat(script).contains("--if-not-exists").contains("exit 1");
    assertThat(topics.getImage()).isEqualTo(ComposeFile.load().service("kafka-init").get("image"));

    Container buckets = container(jobs.stream().filter(j -> j.getMetadata().getName().contains("-buckets-"))
        .findFirst().orElseThrow().getSpec().getTemplate().getSpec());
    assertThat(buckets.getImage()).isEqualTo(ComposeFile.load().service("minio-init").get("image"));
    String compose = ComposeFile.load().environment("minio-init", Map.of("MINIO_ROOT_USER", "u", "MINIO_ROOT_PASSWORD", "p"))
        .get("BUCKETS");
    assertThat(buckets.getCommand().get(2)).contains("for bucket in " + compose + ";").contains("--ignore-existing");
    assertThat(compose.split(" ")[0]).isEqualTo(ServicePlans.BUCKET);
    // A Job's pod template cannot change: the name carries a hash, so changed topics are a new Job.
    List<HasMetadata> more = HelmChart.render(HelmChart.merge(production(),
        Map.of("kafka", Map.of("topics", Map.of("partitions", 12)))));
    assertThat(all(more, Job.class)).extracting(j -> j.getMetadata().getName())
        .doesNotContainAnyElementsOf(jobs.stream().filter(j -> j.getMetadata().getName().contains("-topics-"))
            .map(j -> j.getMetadata().getName()).toList());
    assertThat(all(HelmChart.render(production()), Job.class)).extracting(j -> j.getMetadata().getName())
        .containsExactlyInAnyOrderElementsOf(jobs.stream().map(j -> j.getMetadata().getName()).toList());
  }

  /** The Airflow DAG's pod operator (runner kubernetes) finds exactly what the chart creates. */
  @Test
  void curationResourcesHaveTheNamesTheAirflowDagExpects() throws IOException {
    String settings = Files.readString(ComposeFile.repo().resolve("airflow/dags/millrace_airflow/settings.py"));
    Map<String, String> dag = new LinkedHashMap<>();
    Matcher m = Pattern.compile("PREFIX \\+ \"(K8S_[A-Z_]+)\", \"([^\"]*)\"").matcher(settings);
    while (m.find()) {
      dag.put(m.group(1), m.group(2));
    }
    List<HasMetadata> objects = RENDERED.get("production");
    String ns = dag.get("K8S_NAMESPACE");
    assertThat(ns).isNotNull();
    ServiceAccount sa = HelmChart.named(objects, ServiceAccount.class, dag.get("K8S_SERVICE_ACCOUNT"));
    ConfigMap cm = HelmChart.named(objects, ConfigMap.class, dag.get("K8S_CONFIG_MAP"));
    Secret secret = HelmChart.named(objects, Secret.class, dag.get("K8S_SECRET"));
    assertThat(List.of(sa, cm, secret)).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(ns));
    RoleBinding binding = all(objects, RoleBinding.class).get(0);
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(ns);

    // Every setting is a key of the job's properties, in its environment form.
    Properties props = new Properties();
    try (var in = Files.newInputStream(ComposeFile.repo().resolve("curation/src/main/resources/millrace-curation.properties"))) {
      props.load(in);
    }
    Set<String> keys = props.stringPropertyNames().stream()
        .map(k -> k.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_')).collect(Collectors.toSet());
    Set<String> given = new TreeSet<>(cm.getData().keySet());
    given.addAll(secret.getData().keySet());
    assertThat(given).contains("MILLRACE_CURATION_CATALOG_URI", "MILLRACE_CURATION_CATALOG_JDBC_PASSWORD",
        "MILLRACE_CURATION_INPUT_BUCKET").allSatisfy(k -> assertThat(keys).as(k).contains(k));
    // ... and every setting compose gives the job; the JVM's options the pod operator sets itself.
    Set<String> compose = new TreeSet<>(ComposeFile.load().rawEnvironment("curation").keySet());
    compose.removeAll(ServiceSettings.JVM_ENVIRONMENT);
    assertThat(given).containsAll(compose);

    CronJob cron = all(objects, CronJob.class).get(0);
    PodSpec pod = cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo(dag.get("K8S_SERVICE_ACCOUNT"));
    assertThat(pod.getNodeSelector()).containsEntry("millrace.dev/pool", "batch-on-demand");
    assertThat(settings).contains("{\"millrace.dev/pool\": \"batch-on-demand\"}");
    assertThat(container(pod).getImage()).isEqualTo("millrace/curation:" + ComposeFileTest.version("millrace.version"));
    assertThat(container(pod).getEnv()).anySatisfy(e -> assertThat(e.getValue()).isEqualTo(dag.get("K8S_JAVA_OPTS")));
    assertThat(cron.getSpec().getJobTemplate().getSpec().getPodFailurePolicy().getRules().get(0).getOnExitCodes()
        .getValues()).containsExactly(2, 3, 4);
  }

  @Test
  void monitoringScrapesEveryServiceAndAlertsOnDeadLettersLagAndTheEnricher() {
    List<HasMetadata> objects = RENDERED.get("production");
    ServiceMonitor sm = all(objects, ServiceMonitor.class).get(0);
    assertThat(sm.getSpec().getEndpoints()).singleElement().satisfies(e -> {
      assertThat(e.getPath()).isEqualTo("/actuator/prometheus");
      assertThat(e.getPort()).isEqualTo("http");
    });
    List<Service> scraped = all(objects, Service.class).stream().filter(s -> sm.getSpec().getSelector().getMatchLabels()
            .entrySet().stream().allMatch(l -> l.getValue().equals(s.getMetadata().getLabels().get(l.getKey())))
        && !s.getMetadata().getLabels().containsKey("millrace.dev/headless")).toList();
    assertThat(scraped).hasSize(5).allSatisfy(s -> assertThat(s.getSpec().getPorts()).anySatisfy(
        p -> assertThat(p.getName()).isEqualTo("http")));
    assertThat(alerts(objects)).containsKeys("MillraceCollectorDeadLetters", "MillraceEnricherDeadLetters",
        "MillraceLoaderDeadLetters", "MillraceEnricherNotRunning", "MillraceConsumerLag");
    assertThat(all(RENDERED.get("defaults"), PrometheusRule.class)).isEmpty();
  }

  /** alert name -> expression. */
  static Map<String, String> alerts(List<HasMetadata> objects) {
    Map<String, String> out = new LinkedHashMap<>();
    for (PrometheusRule r : all(objects, PrometheusRule.class)) {
      for (var g : r.getSpec().getGroups()) {
        for (Rule rule : g.getRules()) {
          out.put(rule.getAlert(), rule.getExpr().getStrVal());
        }
      }
    }
    return out;
  }

  @Test
  void theReadmeDocumentsEveryValue() throws IOException {
    String readme = Files.readString(HelmChart.dir().resolve("README.md"));
    List<String> paths = new ArrayList<>();
    leaves(HelmChart.defaults(), "", paths);
    assertThat(paths).hasSizeGreaterThan(50)
        .allSatisfy(p -> assertThat(readme).as("README.md documents " + p).contains("`" + p + "`"));
  }

  /** Value paths down to a leaf; below services.<name> documented once as services.<name>.<key>. */
  @SuppressWarnings("unchecked")
  private static void leaves(Map<String, Object> map, String prefix, List<String> out) {
    map.forEach((k, v) -> {
      String path = prefix.isEmpty() ? k : prefix + "." + k;
      if (prefix.equals("services")) {
        ((Map<String, Object>) v).keySet().forEach(key -> out.add("services.<name>." + key));
      } else if (v instanceof Map<?, ?> m && !m.isEmpty() && !k.equals("podSecurityContext") && !k.equals("securityContext")
          && !k.equals("resources") && !k.equals("nodeSelector") && !path.startsWith("networkPolicy.")) {
        leaves((Map<String, Object>) m, path, out);
      } else {
        out.add(path);
      }
    });
  }

  static Container container(Deployment d) {
    return container(d.getSpec().getTemplate().getSpec());
  }

  static Container container(PodSpec pod) {
    return pod.getContainers().get(0);
  }

  static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return HelmChart.all(objects, type);
  }

  private static List<PodSpec> pods(List<HasMetadata> objects) {
    List<PodSpec> out = new ArrayList<>();
    all(objects, Deployment.class).forEach(d -> out.add(d.getSpec().getTemplate().getSpec()));
    all(objects, Job.class).forEach(j -> out.add(j.getSpec().getTemplate().getSpec()));
    all(objects, CronJob.class).forEach(c -> out.add(c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec()));
    return out;
  }
}
