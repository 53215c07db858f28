package dev.millrace.enrichment.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.enrichment.Items;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.proto.v1.EnrichRequest;
import dev.millrace.proto.v1.EnrichResponse;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GracefulShutdownIT {

  @Test
  void aCallInFlightIsAnsweredInFullWhenTheServerStops() throws Exception {
    EnrichmentConfig config = EnrichmentConfig.builder()
        .piiKey("shutdown-it-key-0123456789abcdefghijkl")
        .grpc(new EnrichmentConfig.Grpc(null, Duration.ofSeconds(60), null, null, null))
        .build();
    EnrichmentServer server = EnrichmentServer.start(
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), config);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      EnrichRequest.Builder request = EnrichRequest.newBuilder();
      for (int i = 0; i < 3000; i++) {
        request.addItems(Items.pageView("i" + i).toBuilder().setContext(Items.pageView("x").getContext()
            .toBuilder().setUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"
                + " (KHTML, like Gecko) Chrome/124.0." + i + ".0 Safari/537.36")));
      }
      CompletableFuture<EnrichResponse> call = CompletableFuture.supplyAsync(() ->
          EnrichmentServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS)
              .enrich(request.build()));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (server.enrichments().metrics().itemsAnswered() == 0) {
        assertThat(System.nanoTime()).as("waiting for the call to start").isLessThan(until);
        Thread.sleep(5);
      }

      server.close();

      assertThat(call.get(60, TimeUnit.SECONDS).getResultsCount()).isEqualTo(3000);
    } finally {
      channel.shutdownNow();
      server.server().shutdownNow();
    }
  }
}
