package dev.millrace.collector;

import dev.millrace.collector.config.CollectorConfiguration;
import dev.millrace.collector.ingest.GrpcServer;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * The collector as a Spring Boot application. Its defaults live in code, not in an
 * {@code application.yml}, so that the jar can be embedded next to other services (bench, other
 * modules' tests) without their configuration files shadowing each other on the class path.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(CollectorConfiguration.class)
public class CollectorApplication {

  /** Spring and actuator settings the collector relies on; any can be overridden. */
  public static final Map<String, Object> DEFAULTS = Map.ofEntries(
      Map.entry("spring.application.name", "millrace-collector"),
      Map.entry("spring.main.banner-mode", "off"),
      Map.entry("server.port", "8080"),
      Map.entry("server.shutdown", "graceful"),
      Map.entry("spring.lifecycle.timeout-per-shutdown-phase", "30s"),
      // longer than the producer's delivery timeout, so Kafka answers before the servlet gives up
      Map.entry("spring.mvc.async.request-timeout", "60s"),
      Map.entry("management.endpoints.web.exposure.include", "health,prometheus,info"),
      Map.entry("management.endpoint.health.probes.enabled", "true"),
      Map.entry("management.endpoint.health.group.readiness.include", "readinessState,kafka"),
      Map.entry("management.endpoint.health.show-components", "always"));

  public static void main(String[] args) {
    application(Map.of()).run(args);
  }

  /** The application with our defaults under the given properties. */
  public static SpringApplication application(Map<String, Object> properties) {
    SpringApplication app = new SpringApplication(CollectorApplication.class);
    Map<String, Object> merged = new HashMap<>(DEFAULTS);
    merged.putAll(properties);
    app.setDefaultProperties(merged);
    return app;
  }

  /** Starts an embedded collector (ports 0 pick free ports); close it when done. */
  public static Running start(Map<String, Object> properties) {
    return new Running(application(properties).run());
  }

  /** A started collector. */
  public record Running(ConfigurableApplicationContext context) implements AutoCloseable {

    public int httpPort() {
      return Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "-1"));
    }

    public int grpcPort() {
      return context.getBean(GrpcServer.class).port();
    }

    @Override
    public void close() {
      context.close();
    }
  }
}
