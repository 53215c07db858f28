package dev.millrace.enricher;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The enricher service: raw topic → schema validation → enrichment API → enriched topic. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class EnricherApplication {

  public static void main(String[] args) {
    builder().run(args);
  }

  /**
   * The application with its own configuration file name, {@code millrace-enricher.yml} (not
   * {@code application.yml}), so that several services embedded in one JVM each read their own
   * defaults. Files in {@code ./config/millrace-enricher.yml} override them.
   */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(EnricherApplication.class).properties("spring.config.name=millrace-enricher");
  }
}
