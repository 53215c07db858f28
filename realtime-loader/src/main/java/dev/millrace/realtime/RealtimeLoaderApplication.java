package dev.millrace.realtime;

import dev.millrace.realtime.config.RealtimeProperties;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** Realtime loader: enriched events and dead letters from Kafka into Elasticsearch. */
@SpringBootApplication
@EnableConfigurationProperties(RealtimeProperties.class)
public class RealtimeLoaderApplication {

  public static void main(String[] args) {
    builder().run(args);
  }

  /**
   * The application with its own configuration file name, {@code millrace-realtime-loader.yml} (not
   * {@code application.yml}), so that several services embedded in one JVM (the bench) each read
   * their own defaults. Files in {@code ./config/millrace-realtime-loader.yml} override them.
   */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(RealtimeLoaderApplication.class).properties("spring.config.name=millrace-realtime-loader");
  }
}
