package dev.millrace.batch;

import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.config.Clients;
import dev.millrace.batch.consume.FaultInjection;
import dev.millrace.batch.consume.LoaderLifecycle;
import dev.millrace.batch.consume.LoaderMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;

/** The batch loader: enriched events to the object store as partitioned Parquet. */
@SpringBootApplication
@EnableConfigurationProperties(BatchProperties.class)
public class BatchLoaderApplication {

  public static void main(String[] args) {
    builder().run(args);
  }

  @Bean
  Clients clients(BatchProperties props) {
    return new Clients(props);
  }

  @Bean
  LoaderMetrics loaderMetrics(MeterRegistry registry) {
    return new LoaderMetrics(registry);
  }

  @Bean
  LoaderLifecycle loaderLifecycle(BatchProperties props, Clients clients, LoaderMetrics metrics,
                                  ObjectProvider<Clock> clock, ObjectProvider<FaultInjection> faults,
                                  ApplicationEventPublisher events) {
    return new LoaderLifecycle(props, clients, metrics, clock.getIfAvailable(Clock::systemUTC),
        faults.getIfAvailable(() -> FaultInjection.NONE), events);
  }

  /**
   * Readiness: every loader loop runs, no partition stopped, and the store and dead-letter topic
   * answer. A partition stopped on a refused dead letter is DOWN (an operator must act) but leaves
   * liveness alone: a restart would only meet the same refusal, and the other partitions load on.
   */
  @Bean
  HealthIndicator loader(LoaderLifecycle lifecycle) {
    return () -> {
      if (!lifecycle.alive()) {
        return Health.down().withDetail("reason", "a loader loop is not running").build();
      }
      String failure = lifecycle.failure();
      if (failure != null) {
        return Health.down().withDetail("reason", failure).build();
      }
      String unhealthy = lifecycle.unhealthy();
      return unhealthy == null ? Health.up().build()
          : Health.outOfService().withDetail("reason", unhealthy).build();
    };
  }

  /**
   * The application with its own configuration file name, {@code millrace-batch-loader.yml} (not
   * {@code application.yml}), so that several services embedded in one JVM (the bench) each read
   * their own defaults. Files in {@code ./config/millrace-batch-loader.yml} override them.
   */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(BatchLoaderApplication.class).properties("spring.config.name=millrace-batch-loader");
  }
}
