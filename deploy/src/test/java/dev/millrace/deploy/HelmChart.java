package dev.millrace.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart {@code helm/millrace} rendered by real Helm (helm-java: Helm's Go library in this JVM,
 * no binary, no cluster), each manifest read into its typed Kubernetes object.
 */
final class HelmChart {

  static final String RELEASE = "millrace";
  static final String NAMESPACE = "millrace";
  /** A Kubernetes version the chart supports (native preStop sleep is 1.30+). */
  static final String KUBE_VERSION = "1.31.0";

  /** Every kind the chart may render, and its typed class; any other kind fails the render. */
  static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
      Map.entry("v1/ConfigMap", ConfigMap.class),
      Map.entry("v1/Secret", Secret.class),
      Map.entry("v1/Service", Service.class),
      Map.entry("v1/ServiceAccount", ServiceAccount.class),
      Map.entry("apps/v1/Deployment", Deployment.class),
      Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
      Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
      Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
      Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
      Map.entry("batch/v1/Job", Job.class),
      Map.entry("batch/v1/CronJob", CronJob.class),
      Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
      Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
      Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
      Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class));

  private static final ObjectMapper JACKSON = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private HelmChart() {}

  static Path dir() {
    return ComposeFile.repo().resolve("helm/millrace");
  }

  /** The chart's values.yaml as a tree. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> defaults() {
    try {
      return (Map<String, Object>) new Yaml(new LoaderOptions()).load(Files.readString(dir().resolve("values.yaml")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code helm template} with these values (over values.yaml, as {@code -f} does). */
  static String template(Map<String, Object> values) {
    Path file = write(values);
    try {
      return new Helm(dir()).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION)
          .withValuesFile(file).call();
    } finally {
      delete(file);
    }
  }

  /**
   * {@code helm lint --strict} of the chart as these values configure it: helm-java's lint takes
   * no values file, so the chart is copied with its values.yaml replaced by the merged values.
   */
  static LintResult lint(Map<String, Object> values) {
    Path copy = null;
    try {
      copy = Files.createTempDirectory("millrace-chart");
      copyTree(dir(), copy);
      Files.writeString(copy.resolve("values.yaml"), dump(merge(defaults(), values)));
      return new Helm(copy).lint().strict().call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (copy != null) {
        delete(copy);
      }
    }
  }

  /** The rendered manifests, each as its typed object. */
  static List<HasMetadata> render(Map<String, Object> values) {
    return parse(template(values));
  }

  @SuppressWarnings("unchecked")
  static List<HasMetadata> parse(String manifests) {
    List<HasMetadata> out = new ArrayList<>();
    for (Object doc : new Yaml(new LoaderOptions()).loadAll(manifests)) {
      if (doc == null) {
        continue;
      }
      Map<String, Object> m = (Map<String, Object>) doc;
      String kind = m.get("apiVersion") + "/" + m.get("kind");
      Class<? extends HasMetadata> type = KINDS.get(kind);
      if (type == null) {
        throw new AssertionError("the chart renders a kind no test knows: " + kind);
      }
      HasMetadata object = JACKSON.convertValue(m, type);
      List<String> unknown = new ArrayList<>();
      unknownFields(object, kind + " " + object.getMetadata().getName(), unknown);
      if (!unknown.isEmpty()) {
        throw new AssertionError("fields Kubernetes does not know (ignored by the API server, so a typo): " + unknown);
      }
      out.add(object);
    }
    return out;
  }

  /**
   * fabric8 keeps any field its type does not declare in {@code additionalProperties} instead of
   * failing: walk every object of the graph and collect those fields, with their path.
   */
  static void unknownFields(Object node, String path, List<String> out) {
    if (node == null) {
      return;
    }
    if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        unknownFields(list.get(i), path + "[" + i + "]", out);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "." + k, out));
      return;
    }
    if (!node.getClass().getPackageName().startsWith("io.fabric8")) {
      return;
    }
    for (Method m : node.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
          || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(node);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (m.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          out.add(path + ": " + extra.keySet());
        }
      } else {
        String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
        unknownFields(value, path + "." + field, out);
      }
    }
  }

  static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> T named(List<HasMetadata> objects, Class<T> type, String name) {
    return all(objects, type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  /** The Deployment of a service ({@code services.<name>}). */
  static Deployment deployment(List<HasMetadata> objects, String service) {
    return named(objects, Deployment.class, RELEASE + "-" + service);
  }

  /**
   * The environment a service's container gets, as Kubernetes builds it: the envFrom sources in
   * order (a later one wins), then env (which wins over all); Secrets decoded; a field reference
   * resolved to {@code podName}.
   */
  static Map<String, String> environment(List<HasMetadata> objects, String service, String podName) {
    Container c = deployment(objects, service).getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : c.getEnvFrom()) {
      if (from.getConfigMapRef() != null) {
        env.putAll(named(objects, ConfigMap.class, from.getConfigMapRef().getName()).getData());
      } else {
        Secret s = named(objects, Secret.class, from.getSecretRef().getName());
        if (s.getData() != null) {
          s.getData().forEach((k, v) -> env.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
      }
    }
    for (EnvVar v : c.getEnv()) {
      if (v.getValueFrom() != null) {
        if (!"metadata.name".equals(v.getValueFrom().getFieldRef().getFieldPath())) {
          throw new AssertionError(v.getName() + ": a field reference the test cannot resolve");
        }
        env.put(v.getName(), podName);
      } else {
        env.put(v.getName(), v.getValue());
      }
    }
    return env;
  }

  /** {@code b} over {@code a}, maps merged deeply, as Helm merges values files. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> merge(Map<String, Object> a, Map<String, Object> b) {
    Map<String, Object> out = new LinkedHashMap<>(a);
    b.forEach((k, v) -> {
      if (v instanceof Map<?, ?> vm && out.get(k) instanceof Map<?, ?> am) {
        out.put(k, merge((Map<String, Object>) am, (Map<String, Object>) vm));
      } else {
        out.put(k, v);
      }
    });
    return out;
  }

  static String dump(Map<String, Object> values) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    return new Yaml(options).dump(values);
  }

  private static Path write(Map<String, Object> values) {
    try {
      Path file = Files.createTempFile("millrace-values", ".yaml");
      Files.writeString(file, dump(values));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Files.createDirectories(to.resolve(from.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.copy(file, to.resolve(from.relativize(file).toString()));
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void delete(Path path) {
    try (var walk = Files.walk(path)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temporary file left behind is harmless.
    }
  }
}
