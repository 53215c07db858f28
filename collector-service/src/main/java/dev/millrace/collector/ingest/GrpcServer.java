package dev.millrace.collector.ingest;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the gRPC server built from a {@link ServerBuilder} (Netty in production, in-process in
 * tests). On stop it stops taking calls and lets running ones finish for the grace period, in the
 * same phase as the web server's graceful shutdown, before the Kafka producer is flushed and closed.
 */
public final class GrpcServer implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

  private final ServerBuilder<?> builder;
  private final HealthStatusManager health;
  private final Duration grace;
  private volatile Server server;

  public GrpcServer(ServerBuilder<?> builder, HealthStatusManager health, Duration grace) {
    this.builder = builder;
    this.health = health;
    this.grace = grace;
  }

  @Override
  public void start() {
    try {
      server = builder.build().start();
      log.info("gRPC listening on port {}", server.getPort());
    } catch (IOException e) {
      throw new UncheckedIOException("gRPC server did not start", e);
    }
  }

  @Override
  public void stop() {
    Server s = server;
    if (s == null) {
      return;
    }
    health.enterTerminalState();
    s.shutdown();
    try {
      if (!s.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("gRPC calls still running after {}; cancelling them", grace);
        s.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      s.shutdownNow();
    }
    server = null;
  }

  @Override
  public boolean isRunning() {
    return server != null;
  }

  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE - 1024;
  }

  /** The bound port (useful when configured as 0), or -1 when not running. */
  public int port() {
    Server s = server;
    return s == null ? -1 : s.getPort();
  }

  /** Serving status of the whole server and of the collector service. */
  public void serving(boolean serving) {
    ServingStatus status = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus("", status);
    health.setStatus("millrace.v1.CollectorService", status);
  }
}
