package dev.millrace.enrichment;

import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.grpc.GrpcServerLifecycle;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** The runnable enrichment API: the gRPC server plus actuator (health, Prometheus) over HTTP. */
@SpringBootApplication
@EnableConfigurationProperties(EnrichmentConfig.class)
public class EnrichmentApplication {

  public static void main(String[] args) {
    builder().run(args);
  }

  @Bean
  Enrichments enrichments(EnrichmentConfig config, MeterRegistry registry) {
    return Enrichments.create(config, registry);
  }

  @Bean
  GrpcServerLifecycle grpcServer(EnrichmentConfig config, Enrichments enrichments) {
    return new GrpcServerLifecycle(config, enrichments);
  }

  /**
   * The application with its own configuration file name, {@code millrace-enrichment-api.yml} (not
   * {@code application.yml}), so that several services embedded in one JVM (the bench) each read
   * their own defaults. Files in {@code ./config/millrace-enrichment-api.yml} override them.
   */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(EnrichmentApplication.class).properties("spring.config.name=millrace-enrichment-api");
  }
}
