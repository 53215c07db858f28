package dev.millrace.localrun.service;

import java.nio.file.Path;
import java.util.Map;

/**
 * One service to run as its own process from its shipped jar.
 *
 * @param name short name, used for its log file ({@code <name>.log}) and messages
 * @param module the Maven module folder, e.g. {@code collector-service}
 * @param artifactId e.g. {@code millrace-collector-service}
 * @param heap the {@code -Xmx} value, e.g. {@code 384m}
 * @param httpPort where its actuator listens (readiness and Prometheus)
 * @param env its whole configuration, as environment variables (Spring relaxed binding)
 */
public record ServiceSpec(String name, String module, String artifactId, String heap, int httpPort,
                          Map<String, String> env) {

  public ServiceSpec {
    env = Map.copyOf(env);
  }

  /** The same service with {@code overrides} added to (or replacing keys of) its environment. */
  public ServiceSpec withEnv(Map<String, String> overrides) {
    Map<String, String> merged = new java.util.LinkedHashMap<>(env);
    merged.putAll(overrides);
    return new ServiceSpec(name, module, artifactId, heap, httpPort, merged);
  }

  /** {@code <repo>/<module>/target/<artifactId>-<version>-exec.jar}. */
  public Path jar(Path repo, String version) {
    return repo.resolve(module).resolve("target").resolve(artifactId + "-" + version + "-exec.jar");
  }

  public String readinessUrl() {
    return "http://127.0.0.1:" + httpPort + "/actuator/health/readiness";
  }

  public String prometheusUrl() {
    return "http://127.0.0.1:" + httpPort + "/actuator/prometheus";
  }
}
