package dev.millrace.bench.enricher;

import dev.millrace.enrichment.EnrichmentMetrics;
import dev.millrace.enrichment.grpc.EnrichmentServiceImpl;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.Enrichment;
import dev.millrace.proto.views.EnrichItemBytes;
import dev.millrace.proto.views.EnrichResultBytes;
import dev.millrace.proto.views.EnrichmentBytes;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The enrichment API's gRPC service with its enrichments replaced by an echo: each item is answered
 * with its own context, payload and client IP and an empty enrichment. What a call costs with no
 * enrichment work — request and answer, both ends' encoding and UTF-8 checks — for the bench's
 * decomposition of the enricher row. Never a stand-in for the real API in a test.
 */
final class EchoServer implements AutoCloseable {

  private final Server server;

  private EchoServer(Server server) {
    this.server = server;
  }

  static EchoServer start() {
    EnrichmentServiceImpl service = new EnrichmentServiceImpl(EchoServer::echo,
        new EnrichmentMetrics(new SimpleMeterRegistry()), 10_000);
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .maxInboundMessageSize(64 * 1024 * 1024)
        .addService(service)
        .build();
    try {
      return new EchoServer(server.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the echo server", e);
    }
  }

  int port() {
    return server.getPort();
  }

  /** The same strings, so the service answers them as the bytes they came as. */
  private static EnrichResult echo(EnrichItem item) {
    return EnrichResult.newBuilder()
        .setItemId(item.getItemId())
        .setEnrichment(Enrichment.getDefaultInstance())
        .setPseudonymizedContext(item.getContext())
        .setPseudonymizedPayloadJson(item.getPayloadJson())
        .setAnonymizedClientIp(item.getClientIp())
        .build();
  }

  /** The echo's answer made in this JVM, with no call at all. */
  static CompletableFuture<List<EnrichResultBytes>> answerInProcess(List<EnrichItemBytes> items) {
    List<EnrichResultBytes> results = new ArrayList<>(items.size());
    for (EnrichItemBytes item : items) {
      results.add(EnrichResultBytes.newBuilder()
          .setItemId(item.getItemId())
          .setEnrichment(EnrichmentBytes.getDefaultInstance())
          .setPseudonymizedContext(item.getContext())
          .setPseudonymizedPayloadJson(item.getPayloadJson())
          .setAnonymizedClientIp(item.getClientIp())
          .build());
    }
    return CompletableFuture.completedFuture(results);
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
