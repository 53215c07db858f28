package dev.millrace.bench.enricher;

import dev.millrace.proto.v1.*;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** TEMPORARY. */
final class TempApi implements AutoCloseable {
  final Server server;
  TempApi() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(new EnrichmentServiceGrpc.EnrichmentServiceImplBase() {
          @Override
          public void enrich(EnrichRequest request, StreamObserver<EnrichResponse> out) {
            EnrichResponse.Builder b = EnrichResponse.newBuilder();
            for (EnrichItem i : request.getItemsList()) {
              b.addResults(EnrichResult.newBuilder().setItemId(i.getItemId())
                  .setEnrichment(Enrichment.newBuilder().setEnrichmentVersion("x"))
                  .setPseudonymizedContext(i.getContext()).setPseudonymizedPayloadJson(i.getPayloadJson())
                  .setAnonymizedClientIp("1.2.3.0"));
            }
            out.onNext(b.build());
            out.onCompleted();
          }
        }).build().start();
  }
  int port() { return server.getPort(); }
  public void close() { server.shutdownNow(); }
}
