package dev.millrace.enrichment.grpc;

import dev.millrace.enrichment.Enrichments;
import dev.millrace.enrichment.config.EnrichmentConfig;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import org.springframework.context.SmartLifecycle;

/** Runs the gRPC server with the Spring context: starts after the beans, stops before them. */
public final class GrpcServerLifecycle implements SmartLifecycle {

  private final EnrichmentConfig config;
  private final Enrichments enrichments;
  private volatile EnrichmentServer server;

  public GrpcServerLifecycle(EnrichmentConfig config, Enrichments enrichments) {
    this.config = config;
    this.enrichments = enrichments;
  }

  @Override
  public void start() {
    server = EnrichmentServer.start(NettyServerBuilder.forPort(config.grpc().port()), config, enrichments);
  }

  @Override
  public void stop() {
    EnrichmentServer running = server;
    if (running != null) {
      running.close();
      server = null;
    }
  }

  @Override
  public boolean isRunning() {
    return server != null;
  }

  /** The listening port; -1 when not running. */
  public int port() {
    EnrichmentServer running = server;
    return running == null ? -1 : running.port();
  }
}
