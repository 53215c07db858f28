package dev.millrace.enrichment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.enrichment.config.InvalidConfigException;
import dev.millrace.enrichment.grpc.GrpcServerLifecycle;
import dev.millrace.proto.v1.EnrichRequest;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The runnable service: Spring wiring, config binding, actuator and the gRPC server together. */
class EnrichmentApplicationIT {

  private static final String KEY = "--millrace.enrichment.pii.key=application-it-key-0123456789abcdef";

  @Test
  void servesGrpcAndExposesHealthAndPrometheusMetrics() throws Exception {
    try (ConfigurableApplicationContext app = EnrichmentApplication.builder().run("--server.port=0", "--millrace.enrichment.grpc.port=0", KEY)) {
      int grpcPort = app.getBean(GrpcServerLifecycle.class).port();
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
      try {
        assertThat(EnrichmentServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .enrich(EnrichRequest.newBuilder().addItems(Items.pageView("a")).build())
            .getResults(0).getEnrichment().getUserAgent().getAgentName()).isEqualTo("Chrome");
      } finally {
        channel.shutdownNow();
      }

      String http = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> readiness = client.send(
          HttpRequest.newBuilder(URI.create(http + "/actuator/health/readiness")).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> prometheus = client.send(
          HttpRequest.newBuilder(URI.create(http + "/actuator/prometheus")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(readiness.statusCode()).isEqualTo(200);
      assertThat(readiness.body()).contains("UP");
      assertThat(prometheus.statusCode()).isEqualTo(200);
      assertThat(prometheus.body())
          .contains("millrace_enrichment_items_total{outcome=\"enriched\"} 1.0")
          .contains("millrace_enrichment_duration_seconds_count{enrichment=\"user_agent\"}")
          .contains("millrace_enrichment_useragent_cache_hit_ratio")
          .contains("millrace_enrichment_calls_total{outcome=\"ok\"} 1.0")
          .doesNotContain("application-it-key");
    }
  }

  @Test
  void aBadKeyStopsStartUpWithAMessageNamingIt() {
    assertThatThrownBy(() -> EnrichmentApplication.builder().run("--server.port=0", "--millrace.enrichment.grpc.port=0", KEY,
        "--millrace.enrichment.ip.ipv6-bits-kept=129").close())
        .rootCause()
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("millrace.enrichment.ip.ipv6-bits-kept must be between 0 and 128 (was 129)");
  }
}
