package dev.millrace.localrun.service;

import dev.millrace.localrun.LaunchException;
import dev.millrace.localstack.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The plan of the services' ports: where each service local-run starts will listen.
 * {@link Choice#DEFAULT} uses the documented defaults and refuses to start when one is taken (so
 * the printed commands keep working); {@link Choice#FREE} picks free ports.
 */
public record ServicePorts(int collectorHttp, int collectorGrpc, int enrichmentGrpc, int enrichmentHttp,
                           int enricherHttp, int realtimeHttp, int batchHttp) {

  /** How ports are chosen. */
  public enum Choice { DEFAULT, FREE }

  public static ServicePorts defaults() {
    return new ServicePorts(8080, 9090, 9091, 8081, 8082, 8083, 8084);
  }

  public static ServicePorts choose(Choice choice) {
    if (choice == Choice.FREE) {
      return new ServicePorts(free(), free(), free(), free(), free(), free(), free());
    }
    ServicePorts ports = defaults();
    ports.checkAvailable();
    return ports;
  }

  /**
   * Superset's port: {@value dev.millrace.localrun.analytics.SupersetRun#DEFAULT_PORT}, refused like
   * the services' when taken, or a free one.
   */
  public static int superset(Choice choice) {
    if (choice == Choice.FREE) {
      return free();
    }
    int port = dev.millrace.localrun.analytics.SupersetRun.DEFAULT_PORT;
    if (!available(port)) {
      throw new LaunchException("port " + port + " (Superset) is already in use."
          + "\nStop what listens there (e.g. `ss -ltnp | grep " + port + "`), run `./millrace up --ports free`,"
          + " or `--no-analytics`.");
    }
    return port;
  }

  /** What listens where, for messages. */
  public Map<String, Integer> byUse() {
    Map<String, Integer> uses = new LinkedHashMap<>();
    uses.put("collector HTTP", collectorHttp);
    uses.put("collector gRPC", collectorGrpc);
    uses.put("enrichment-api gRPC", enrichmentGrpc);
    uses.put("enrichment-api HTTP", enrichmentHttp);
    uses.put("enricher HTTP", enricherHttp);
    uses.put("realtime-loader HTTP", realtimeHttp);
    uses.put("batch-loader HTTP", batchHttp);
    return uses;
  }

  /** Throws a LaunchException naming every port that something else already listens on. */
  public void checkAvailable() {
    StringBuilder taken = new StringBuilder();
    byUse().forEach((use, port) -> {
      if (!available(port)) {
        taken.append(String.format("%n  port %d (%s)", port, use));
      }
    });
    if (!taken.isEmpty()) {
      throw new LaunchException("these ports are already in use:" + taken
          + "\nStop what listens there (e.g. `ss -ltnp | grep <port>`), or run `./millrace up --ports free`.");
    }
  }

  static boolean available(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      // Same bind as a Spring Boot server (all interfaces), so a taken port is seen as taken.
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static int free() {
    try {
      return FreePorts.free();
    } catch (UncheckedIOException e) {
      throw new LaunchException("no free port on this machine: " + e.getCause().getMessage(), e);
    }
  }
}
