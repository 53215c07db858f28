package dev.millrace.realtime;

import dev.millrace.realtime.config.RealtimeProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** Realtime loader: enriched events and dead letters from Kafka into Elasticsearch. */
@SpringBootApplication
@EnableConfigurationProperties(RealtimeProperties.class)
public class RealtimeLoaderApplication {

  public static void main(String[] args) {
    SpringApplication.run(RealtimeLoaderApplication.class, args);
  }
}
