package dev.millrace.localstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The node's {@code config.properties} and JVM command line: one small node on loopback. */
final class TrinoConfig {

  /** Heap of the Trino JVM; the memory limits below are what fits in it. */
  static final String HEAP = "1500m";

  static Map<String, String> serverProperties(int port, String nodeId, Path pluginDir) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("coordinator", "true");
    p.put("node-scheduler.include-coordinator", "true");
    p.put("http-server.http.port", Integer.toString(port));
    p.put("discovery.uri", "http://" + FreePorts.LOOPBACK + ":" + port);
    p.put("node.environment", "millrace");
    p.put("node.id", nodeId);
    // Bind and announce loopback only; the default announces the machine's first address.
    p.put("node.bind-ip", FreePorts.LOOPBACK);
    p.put("node.internal-address", FreePorts.LOOPBACK);
    // Catalogs live in etc/catalog of the working directory (the server folder); CREATE CATALOG
    // writes its file there too, so a restarted node has the same catalogs.
    p.put("catalog.management", "dynamic");
    p.put("plugin.dir", pluginDir.toString());
    // 1500 MB heap: 500 MB for queries, 400 MB headroom for what Trino does not track, the rest
    // for the server itself. The defaults (30 % and 30 %) would allow less for queries.
    p.put("query.max-memory", "500MB");
    p.put("query.max-memory-per-node", "500MB");
    p.put("memory.heap-headroom-per-node", "400MB");
    // SIGTERM waits this long for running queries before shutting down (default 2 minutes).
    p.put("shutdown.grace-period", "1s");
    p.put("http-server.log.enabled", "false");
    return p;
  }

  /** {@code java ... io.trino.server.TrinoServer}: the options of Trino's recommended jvm.config, scaled down. */
  static List<String> command(Path javaHome, Path trinoHome, Path config) {
    List<String> command = new ArrayList<>(List.of(
        TrinoJava.java(javaHome).toString(),
        "-Xmx" + HEAP,
        "-Xms256m",
        "-XX:+UseG1GC",
        "-XX:+ExplicitGCInvokesConcurrent",
        "-XX:+ExitOnOutOfMemoryError",
        "-XX:-OmitStackTraceInFastThrow",
        "-XX:ReservedCodeCacheSize=256M",
        "-XX:PerMethodRecompilationCutoff=10000",
        "-XX:PerBytecodeRecompilationCutoff=10000",
        "-Djdk.attach.allowAttachSelf=true",
        "-Djdk.nio.maxCachedBufferSize=2000000",
        "-Dfile.encoding=UTF-8",
        "-XX:+EnableDynamicAgentLoading",
        "--enable-native-access=ALL-UNNAMED",
        "-Djava.awt.headless=true",
        "-Dconfig=" + config));
    command.addAll(List.of("-cp", trinoHome.resolve("lib") + "/*", "io.trino.server.TrinoServer"));
    return command;
  }

  private TrinoConfig() {}
}
