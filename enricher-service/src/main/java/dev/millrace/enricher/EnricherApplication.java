package dev.millrace.enricher;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The enricher service: raw topic → schema validation → enrichment API → enriched topic. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class EnricherApplication {

  public static void main(String[] args) {
    SpringApplication.run(EnricherApplication.class, args);
  }
}
