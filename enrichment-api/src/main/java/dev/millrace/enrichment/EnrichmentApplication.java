package dev.millrace.enrichment;

import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.grpc.GrpcServerLifecycle;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** The runnable enrichment API: the gRPC server plus actuator (health, Prometheus) over HTTP. */
@SpringBootApplication
@EnableConfigurationProperties(EnrichmentConfig.class)
public class EnrichmentApplication {

  public static void main(String[] args) {
    SpringApplication.run(EnrichmentApplication.class, args);
  }

  @Bean
  Enrichments enrichments(EnrichmentConfig config, MeterRegistry registry) {
    return Enrichments.create(config, registry);
  }

  @Bean
  GrpcServerLifecycle grpcServer(EnrichmentConfig config, Enrichments enrichments) {
    return new GrpcServerLifecycle(config, enrichments);
  }
}
