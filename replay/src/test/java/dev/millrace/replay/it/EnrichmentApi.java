package dev.millrace.replay.it;

import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.grpc.EnrichmentServer;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The real enrichment API (module enrichment-api) in this JVM on a loopback port. A copy of
 * enricher-service's test starter, which is not published: ten lines are cheaper than a test-jar.
 */
final class EnrichmentApi implements AutoCloseable {

  private static final String PII_KEY = "it-only-pii-key-0123456789abcdef0123456789";

  private final EnrichmentServer server;

  private EnrichmentApi(EnrichmentServer server) {
    this.server = server;
  }

  /** Starts on {@code port}, or a free one when 0; the same port again brings the API back. */
  static EnrichmentApi start(int port) {
    EnrichmentConfig config = EnrichmentConfig.builder().piiKey(PII_KEY, "$.email").build();
    return new EnrichmentApi(EnrichmentServer.start(
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)), config));
  }

  int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }
}
