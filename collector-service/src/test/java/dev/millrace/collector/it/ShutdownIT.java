package dev.millrace.collector.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.collector.CollectorApplication;
import dev.millrace.collector.sink.EventSink;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStackExtension;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Shutting the collector down while requests run: no answered event is lost. */
@ExtendWith(LocalStackExtension.class)
class ShutdownIT {

  @Test
  void requestsRunningAtShutdownAreAnsweredAndTheirEventsLand(KafkaServer kafka) throws Exception {
    String topics = "shutdown-it-" + UUID.randomUUID().toString().substring(0, 8);
    // A long linger keeps requests waiting for their acks, so some are surely running at shutdown.
    CollectorApplication.Running collector = ItSupport.collector(kafka, topics,
        Map.of("millrace.collector.kafka.linger.ms", "1500"));
    URI uri = URI.create("http://127.0.0.1:" + collector.httpPort() + "/v1/events");
    Map<CompletableFuture<HttpResponse<String>>, List<String>> sent = new HashMap<>();
    for (int r = 0; r < 40; r++) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        ids.add(UUID.randomUUID().toString());
      }
      String body = "[" + ids.stream().map(ItSupport::event).collect(Collectors.joining(",")) + "]";
      sent.put(ItSupport.HTTP.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
          .header("Content-Type", "application/json").header("X-Millrace-Write-Key", ItSupport.WRITE_KEY)
          .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
          HttpResponse.BodyHandlers.ofString()), ids);
    }

    EventSink sink = collector.context().getBean(EventSink.class);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (sink.inFlightBytes() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(sink.inFlightBytes()).as("requests are waiting for Kafka").isPositive();

    collector.close();

    Set<String> acknowledged = new HashSet<>();
    int answered = 0;
    for (var entry : sent.entrySet()) {
      try {
        HttpResponse<String> response = entry.getKey().join();
        answered++;
        assertThat(response.statusCode()).as("a running request is answered, not cut off").isIn(200, 503);
        if (response.statusCode() == 200) {
          acknowledged.addAll(entry.getValue());
        }
      } catch (java.util.concurrent.CompletionException refused) {
        // sent after the server stopped listening: never answered, so nothing was promised
      }
    }
    assertThat(answered).isPositive();
    List<ConsumerRecord<String, byte[]>> raw = ItSupport.read(kafka, topics + ".raw", r -> true,
        l -> l.stream().map(ConsumerRecord::key).collect(Collectors.toSet()).containsAll(acknowledged),
        Duration.ofSeconds(60));
    assertThat(raw.stream().map(ConsumerRecord::key).collect(Collectors.toSet()))
        .as("every event answered 200 is in the raw topic").containsAll(acknowledged);
  }
}
