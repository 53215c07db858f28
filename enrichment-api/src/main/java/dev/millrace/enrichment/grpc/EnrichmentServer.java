package dev.millrace.enrichment.grpc;

import dev.millrace.enrichment.Enrichments;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running enrichment gRPC server: the EnrichmentService, gRPC health and reflection. No Spring:
 * other modules' tests and the bench embed it.
 *
 * <pre>{@code
 * EnrichmentConfig config = EnrichmentConfig.builder().piiKey(key, "$.email").build();
 * try (EnrichmentServer server = EnrichmentServer.start(
 *     NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), config)) {
 *   ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
 *   ...
 * }
 * }</pre>
 */
public final class EnrichmentServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EnrichmentServer.class);

  private final Server server;
  private final HealthStatusManager health;
  private final Enrichments enrichments;
  private final Duration shutdownGrace;
  private final ExecutorService executor;

  private EnrichmentServer(Server server, HealthStatusManager health, Enrichments enrichments,
                           Duration shutdownGrace, ExecutorService executor) {
    this.server = server;
    this.health = health;
    this.enrichments = enrichments;
    this.shutdownGrace = shutdownGrace;
    this.executor = executor;
  }

  /** Builds the enrichments from {@code config} and starts; metrics stay in memory. */
  public static EnrichmentServer start(ServerBuilder<?> builder, EnrichmentConfig config) {
    return start(builder, config, new SimpleMeterRegistry());
  }

  /** Builds the enrichments from {@code config} and starts, with metrics in {@code registry}. */
  public static EnrichmentServer start(ServerBuilder<?> builder, EnrichmentConfig config,
                                       MeterRegistry registry) {
    return start(builder, config, Enrichments.create(config, registry));
  }

  /** Starts serving already built enrichments (e.g. sharing one YAUAA parser). */
  public static EnrichmentServer start(ServerBuilder<?> builder, EnrichmentConfig config,
                                       Enrichments enrichments) {
    EnrichmentServiceImpl service = new EnrichmentServiceImpl(enrichments, enrichments.metrics(),
        config.grpc().maxBatchItems());
    ExecutorService executor = null;
    if (config.grpc().threads() > 0) {
      executor = Executors.newFixedThreadPool(config.grpc().threads(), r -> {
        Thread t = new Thread(r, "enrichment-grpc");
        t.setDaemon(true);
        return t;
      });
      builder.executor(executor);
    }
    HealthStatusManager health = new HealthStatusManager();
    Server server = builder
        .maxInboundMessageSize(config.grpc().maxMessageBytes())
        .addService(service)
        .addService(health.getHealthService())
        .addService((BindableService) ProtoReflectionServiceV1.newInstance())
        .build();
    try {
      server.start();
    } catch (IOException e) {
      if (executor != null) {
        executor.shutdownNow();
      }
      throw new UncheckedIOException("cannot start the enrichment gRPC server", e);
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(EnrichmentServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    log.info("enrichment gRPC server listening on port {}", server.getPort());
    return new EnrichmentServer(server, health, enrichments, config.grpc().shutdownGrace(), executor);
  }

  /** The port the server listens on (the real one when started on port 0). */
  public int port() {
    return server.getPort();
  }

  public Server server() {
    return server;
  }

  public Enrichments enrichments() {
    return enrichments;
  }

  /**
   * Graceful shutdown: health turns NOT_SERVING so balancers move away, new calls are refused,
   * calls in flight get up to the shutdown grace to finish, then are cancelled.
   */
  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("calls still running after the shutdown grace of {}; cancelling them", shutdownGrace);
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      if (executor != null) {
        executor.shutdownNow();
      }
    }
    log.info("enrichment gRPC server stopped");
  }
}
