package dev.millrace.collector.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.collector.CollectorApplication;
import dev.millrace.collector.compat.TrackerIds;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.Transport;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Segment's and Snowplow's endpoints, and CORS, in the real application (Spring Boot's filter chain,
 * Tomcat) on a real broker: what an SDK or a browser is answered is what is in Kafka.
 */
@ExtendWith(LocalStackExtension.class)
class TrackerProtocolsIT {

  private static final String TOPICS = "trackers-it-" + UUID.randomUUID().toString().substring(0, 8);
  private static final String ORIGIN = "https://shop.example";
  private static KafkaServer kafka;
  private static CollectorApplication.Running collector;

  @BeforeAll
  static void start(KafkaServer broker) {
    kafka = broker;
    collector = ItSupport.collector(kafka, TOPICS, Map.of(
        "millrace.collector.snowplow.app-ids.shopweb", ItSupport.WRITE_KEY_ID,
        "millrace.collector.cors.allowed-origins." + ItSupport.WRITE_KEY_ID, ORIGIN,
        "millrace.collector.segment.track-events.order_completed", "purchase"));
  }

  @AfterAll
  static void stop() {
    if (collector != null) {
      collector.close();
    }
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return ItSupport.HTTP.send(request.timeout(Duration.ofSeconds(40)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder at(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + collector.httpPort() + path));
  }

  private static List<RawEvent> raw(int expected) {
    return ItSupport.read(kafka, TOPICS + ".raw", r -> true, l -> l.size() >= expected, Duration.ofSeconds(30))
        .stream().map(ConsumerRecord::value).map(v -> {
          try {
            return RawEvent.parseFrom(v);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }).toList();
  }

  @Test
  void segmentSnowplowAndBrowsersReachKafkaThroughTheRealServer() throws Exception {
    String basic = "Basic " + Base64.getEncoder().encodeToString((ItSupport.WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8));
    String now = Instant.now().toString();
    String batch = "{\"batch\":[{\"type\":\"track\",\"messageId\":\"order-1\",\"event\":\"Order Completed\","
        + "\"userId\":\"u-1\",\"properties\":{\"order_id\":\"o-1\"},\"timestamp\":\"" + now + "\"},"
        + "{\"type\":\"identify\",\"messageId\":\"id-1\",\"userId\":\"u-1\",\"traits\":{\"plan\":\"pro\"}}],"
        + "\"sentAt\":\"" + now + "\"}";
    HttpResponse<String> segment = send(at("/v1/batch").header("Authorization", basic)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(batch)));
    assertThat(segment.statusCode()).isEqualTo(200);
    assertThat(segment.body()).contains("\"success\":true").contains("\"accepted\":2");

    HttpResponse<String> pixel = send(at("/i?e=pv&eid=" + UUID.randomUUID() + "&aid=shopweb&url=https%3A%2F%2Fshop.example%2Fa&dtm="
        + System.currentTimeMillis()).GET());
    assertThat(pixel.statusCode()).isEqualTo(200);
    assertThat(pixel.headers().firstValue("Content-Type")).hasValue("image/gif");

    // A browser: the preflight is answered by the real filter chain, the request carries the key in its body.
    HttpResponse<String> preflight = send(at("/v1/batch").header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST").method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
    String browser = "{\"batch\":[{\"type\":\"page\",\"messageId\":\"" + UUID.randomUUID() + "\",\"anonymousId\":\"a-1\","
        + "\"properties\":{\"path\":\"/\"}}],\"writeKey\":\"" + ItSupport.WRITE_KEY + "\"}";
    HttpResponse<String> fromPage = send(at("/v1/batch").header("Origin", ORIGIN).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(browser)));
    assertThat(fromPage.statusCode()).isEqualTo(200);
    assertThat(fromPage.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
    HttpResponse<String> stranger = send(at("/v1/batch").header("Origin", "https://evil.example")
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(browser)));
    assertThat(stranger.statusCode()).isEqualTo(403);

    List<RawEvent> raw = raw(4);
    assertThat(raw).hasSize(4);
    assertThat(raw).extracting(r -> r.getEvent().getEventType())
        .containsExactlyInAnyOrder("purchase", "identify", "page_view", "page");
    assertThat(raw).filteredOn(r -> r.getEvent().getEventType().equals("purchase"))
        .extracting(r -> r.getEvent().getEventId()).containsExactly(TrackerIds.eventId("segment", "order-1"));
    assertThat(raw).extracting(r -> r.getMetadata().getTransport())
        .containsOnly(Transport.TRANSPORT_SEGMENT, Transport.TRANSPORT_SNOWPLOW);
    assertThat(raw).extracting(r -> r.getMetadata().getWriteKeyId()).containsOnly(ItSupport.WRITE_KEY_ID);
  }
}
