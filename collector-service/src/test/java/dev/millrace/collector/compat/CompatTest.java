package dev.millrace.collector.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CompatTest {

  @Test
  void aUuidMessageIdIsTheEventIdAsItIs() {
    assertThat(TrackerIds.eventId("segment", "0B7C7F9E-3C1B-4D39-9A55-0C2B1D0E4F21"))
        .isEqualTo("0B7C7F9E-3C1B-4D39-9A55-0C2B1D0E4F21");
  }

  @Test
  void anyOtherIdBecomesTheSameVersion5UuidEveryTimeApartPerProtocol() {
    String id = TrackerIds.eventId("segment", "ajs-next-1699999999999-abc");
    UUID uuid = UUID.fromString(id);
    assertThat(uuid.version()).isEqualTo(5);
    assertThat(uuid.variant()).isEqualTo(2);
    assertThat(TrackerIds.eventId("segment", "ajs-next-1699999999999-abc")).isEqualTo(id);
    assertThat(TrackerIds.eventId("snowplow", "ajs-next-1699999999999-abc")).isNotEqualTo(id);
    assertThat(TrackerIds.eventId("segment", "ajs-next-1699999999999-abd")).isNotEqualTo(id);
  }

  @Test
  void theNameBasedIdIsRfc9562Version5() {
    // RFC 9562 appendix A.4: the DNS namespace and "www.example.com"
    UUID dns = UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    assertThat(TrackerIds.nameBased(dns, "www.example.com"))
        .isEqualTo(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
  }

  @Test
  void aMessageWithoutAnIdGetsOneFromItsExactBytes() {
    byte[] body = "[{\"type\":\"track\"},{\"type\":\"track\"},{\"type\":\"page\"}]".getBytes(StandardCharsets.UTF_8);
    String first = TrackerIds.eventId("segment", body, 1, 17);
    assertThat(TrackerIds.eventId("segment", body, 18, 34)).isEqualTo(first);
    assertThat(TrackerIds.eventId("segment", body, 35, 50)).isNotEqualTo(first);
    assertThat(UUID.fromString(first).version()).isEqualTo(5);
  }

  @Test
  void theDeviceClockIsCorrectedByTheTimeBetweenCreatingAndSending() {
    Instant received = Instant.parse("2026-12-07T12:00:00Z");
    // the device's clock is two hours behind; it sent the event 5 s after creating it
    Instant created = Instant.parse("2026-12-07T09:59:50Z");
    Instant sent = Instant.parse("2026-12-07T09:59:55Z");
    assertThat(DeviceClock.occurredAt(created, sent, received)).isEqualTo(Instant.parse("2026-12-07T11:59:55Z"));
    assertThat(DeviceClock.occurredAt(created, null, received)).isEqualTo(created);
    assertThat(DeviceClock.occurredAt(null, sent, received)).isEqualTo(received);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "Order Completed|order_completed",
      "orderCompleted|order_completed",
      "Product Added to Cart!|product_added_to_cart",
      "  signup  |signup",
      "Café Visited|cafe_visited",
      "3D Viewed|e_3d_viewed",
      "page_view|page_view",
      "API v2 Called|api_v2_called",
      "!!!|''",
  })
  void trackNamesBecomeLowerSnakeCaseEventTypes(String name, String type) {
    assertThat(EventNames.normalise(name)).isEqualTo(type);
  }

  @Test
  void aLongNameIsCutToTheLongestEventTypeWithoutATrailingUnderscore() {
    String type = EventNames.normalise("a".repeat(127) + " b" + "c".repeat(300));
    assertThat(type).hasSizeLessThanOrEqualTo(EventNames.MAX_LENGTH).matches("[a-z][a-z0-9_]*[a-z0-9]");
  }
}
