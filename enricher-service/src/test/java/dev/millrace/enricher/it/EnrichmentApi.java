package dev.millrace.enricher.it;

import dev.millrace.enricher.FakeEnrichmentService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** TEMPORARY until enrichment-api lands on main: replaced by the real server. */
final class EnrichmentApi implements AutoCloseable {
  private final Server server;

  private EnrichmentApi(Server server) {
    this.server = server;
  }

  static EnrichmentApi start(int port) {
    try {
      return new EnrichmentApi(NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
          .addService(new FakeEnrichmentService()).build().start());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
