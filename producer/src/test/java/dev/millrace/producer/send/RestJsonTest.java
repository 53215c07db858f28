package dev.millrace.producer.send;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventStatus;
import dev.millrace.proto.v1.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RestJsonTest {

  static final JsonMapper JSON = JsonMapper.builder().build();

  static final Event EVENT = Event.newBuilder()
      .setEventId("0d9a3c52-6a0e-4e7c-9a57-2f3c6f0b8e11")
      .setEventType("purchase")
      .setSchemaVersion("1-0-0")
      .setOccurredAt(Timestamp.newBuilder().setSeconds(1_778_753_730L).setNanos(123_000_000))
      .setSource("northpeak-shop")
      .setContext(Context.newBuilder().setUserAgent("Mozilla/5.0").setIp("203.0.113.7")
          .setPageUrl("https://shop.northpeak.example/checkout?gclid=abc").setAnonymousId("a1").setLocale("de-DE"))
      .setPayloadJson("{\"order_id\":\"NO-10000001\",\"total\":259.900000000000000001}")
      .build();

  @Test
  void anEventIsSnakeCaseJsonWithItsPayloadAsAnObjectKeptExactly() {
    JsonNode item = JSON.readTree(RestJson.encode(List.of(EVENT))).get(0);
    assertThat(item.get("event_id").asString()).isEqualTo(EVENT.getEventId());
    assertThat(item.get("event_type").asString()).isEqualTo("purchase");
    assertThat(item.get("schema_version").asString()).isEqualTo("1-0-0");
    assertThat(item.get("occurred_at").asString()).isEqualTo("2026-05-14T10:15:30.123Z");
    assertThat(item.get("source").asString()).isEqualTo("northpeak-shop");
    assertThat(item.get("context").get("page_url").asString()).endsWith("?gclid=abc");
    assertThat(item.get("context").get("anonymous_id").asString()).isEqualTo("a1");
    assertThat(item.get("context").has("user_id")).as("unset fields are left out").isFalse();
    assertThat(item.get("payload").isObject()).isTrue();
    assertThat(new String(RestJson.encode(List.of(EVENT)), StandardCharsets.UTF_8))
        .as("numbers reach the collector as generated").contains("\"total\":259.900000000000000001");
  }

  @Test
  void anEventWithoutATypeHasNoTypeField() {
    JsonNode item = JSON.readTree(RestJson.encode(List.of(EVENT.toBuilder().clearEventType().build()))).get(0);
    assertThat(item.has("event_type")).isFalse();
  }

  @Test
  void aBatchResultReadsFromSnakeCaseWithFullOrShortEnumNames() {
    String body = """
        {"request_id":"req-1","accepted":1,"rejected":2,"results":[
          {"index":0,"event_id":"e0","status":"EVENT_STATUS_ACCEPTED"},
          {"index":1,"event_id":"e1","status":"EVENT_STATUS_REJECTED","reason":"CLOCK_SKEW",
           "field":"/occurred_at","message":"30 days ahead"},
          {"index":2,"event_id":"e2","status":"rejected","reason":"invalid_event_id","field":"/event_id"}]}
        """;
    BatchResult result = RestJson.decode(body.getBytes(StandardCharsets.UTF_8));
    assertThat(result.getRequestId()).isEqualTo("req-1");
    assertThat(result.getAccepted()).isEqualTo(1);
    assertThat(result.getRejected()).isEqualTo(2);
    assertThat(result.getResults(0).getStatus()).isEqualTo(EventStatus.EVENT_STATUS_ACCEPTED);
    assertThat(result.getResults(1).getReason()).isEqualTo(ReasonCode.CLOCK_SKEW);
    assertThat(result.getResults(1).getField()).isEqualTo("/occurred_at");
    assertThat(result.getResults(2).getStatus()).isEqualTo(EventStatus.EVENT_STATUS_REJECTED);
    assertThat(result.getResults(2).getReason()).isEqualTo(ReasonCode.INVALID_EVENT_ID);
  }

  @Test
  void theEndpointIsV1EventsUnderTheBaseUrl() {
    assertThat(RestSender.endpoint(java.net.URI.create("http://h:8080/")).toString()).isEqualTo("http://h:8080/v1/events");
    assertThat(RestSender.endpoint(java.net.URI.create("http://h:8080/v1/events")).toString()).isEqualTo("http://h:8080/v1/events");
  }
}
