package dev.millrace.localstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command line and environment of a single-node Elasticsearch on loopback. */
final class ElasticsearchConfig {

  /** Elasticsearch refuses to run as root; this uid owns the per-run folder instead. */
  static final int DEFAULT_UID = 10001;

  static Map<String, String> settings(int httpPort, int transportPort, Path data, Path logs) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("discovery.type", "single-node");
    s.put("xpack.security.enabled", "false");
    s.put("network.host", FreePorts.LOOPBACK);
    s.put("http.port", Integer.toString(httpPort));
    s.put("transport.port", Integer.toString(transportPort));
    s.put("path.data", data.toString());
    s.put("path.logs", logs.toString());
    // Shared build machines often have full-ish disks; the watermarks would make indices read-only.
    s.put("cluster.routing.allocation.disk.threshold_enabled", "false");
    return s;
  }

  /**
   * {@code bin/elasticsearch -E...}, prefixed with {@code setpriv} to drop to {@code uid} when
   * {@code asRoot}.
   */
  static List<String> command(Path home, Map<String, String> settings, boolean asRoot, int uid) {
    List<String> command = new ArrayList<>();
    if (asRoot) {
      command.addAll(Unprivileged.setpriv(new Unprivileged.Account(uid, uid)));
    }
    command.add(home.resolve("bin").resolve("elasticsearch").toString());
    settings.forEach((k, v) -> command.add("-E" + k + "=" + v));
    return command;
  }

  static Map<String, String> environment(Path javaHome, Path config, Path tmp, Path folder) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ES_JAVA_HOME", javaHome.toString());
    env.put("ES_PATH_CONF", config.toString());
    env.put("ES_TMPDIR", tmp.toString());
    // Without an explicit heap Elasticsearch sizes itself from the machine's memory (12 GB here).
    env.put("ES_JAVA_OPTS", "-Xms512m -Xmx512m");
    env.put("HOME", folder.toString());
    return env;
  }

  private ElasticsearchConfig() {}
}
