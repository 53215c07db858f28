package dev.millrace.producer.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.millrace.proto.v1.Event;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TrafficGeneratorTest {

  static final Instant NOW = Instant.parse("2026-05-14T10:15:30Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final Pattern TYPE_NAME = Pattern.compile("[a-z][a-z0-9_]*");
  static final Pattern SCHEMA_VER = Pattern.compile("[1-9][0-9]*-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)");
  static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void theSameSeedGivesTheSameEvents() {
    List<GeneratedEvent> first = new TrafficGenerator(42, EventMix.demo(), CLOCK).next(3000);
    List<GeneratedEvent> second = new TrafficGenerator(42, EventMix.demo(), CLOCK).next(3000);
    assertThat(second).isEqualTo(first);
  }

  @Test
  void anotherSeedGivesOtherEvents() {
    List<GeneratedEvent> first = new TrafficGenerator(42, EventMix.demo(), CLOCK).next(100);
    List<GeneratedEvent> other = new TrafficGenerator(43, EventMix.demo(), CLOCK).next(100);
    assertThat(ids(other)).doesNotContainAnyElementsOf(ids(first));
  }

  @Test
  void theDemoMixIsAboutTwoPercentInvalidAndOnePercentDuplicated() {
    List<GeneratedEvent> events = new TrafficGenerator(7, EventMix.demo(), CLOCK).next(50_000);
    double invalid = events.stream().filter(e -> !e.valid()).count() / 50_000.0;
    double duplicated = events.stream().filter(GeneratedEvent::duplicate).count() / 50_000.0;
    assertThat(invalid).isCloseTo(0.02, within(0.003));
    assertThat(duplicated).isCloseTo(0.01, within(0.002));
  }

  @Test
  void eventTypesFollowTheirWeights() {
    List<GeneratedEvent> events = new TrafficGenerator(7, EventMix.demo(), CLOCK).next(50_000);
    Map<String, Long> byType = events.stream().filter(e -> e.valid() && !e.duplicate())
        .collect(Collectors.groupingBy(e -> e.event().getEventType(), Collectors.counting()));
    long total = byType.values().stream().mapToLong(Long::longValue).sum();
    EventMix.DEFAULT_WEIGHTS.forEach((type, weight) ->
        assertThat(byType.get(type) / (double) total).as(type).isCloseTo(weight / 100.0, within(0.01)));
  }

  @Test
  void aMixWithoutInvalidOrDuplicatesSendsOnlyValidFreshEventsOfItsTypes() {
    EventMix mix = new EventMix(Map.of("purchase", 1), 0, 0);
    List<GeneratedEvent> events = new TrafficGenerator(1, mix, CLOCK).next(2000);
    assertThat(events).allSatisfy(e -> {
      assertThat(e.valid()).isTrue();
      assertThat(e.duplicate()).isFalse();
      assertThat(e.event().getEventType()).isEqualTo("purchase");
    });
    assertThat(Set.copyOf(ids(events))).hasSize(2000);
  }

  @Test
  void everyInvalidKindBreaksExactlyTheCheckItIsNamedFor() {
    List<GeneratedEvent> events = new TrafficGenerator(3, EventMix.demo(), CLOCK).next(5000);
    Map<InvalidKind, List<Event>> byKind = new HashMap<>();
    events.stream().filter(e -> !e.valid())
        .forEach(e -> byKind.computeIfAbsent(e.invalid(), k -> new java.util.ArrayList<>()).add(e.event()));
    assertThat(byKind).containsOnlyKeys(InvalidKind.values());
    byKind.forEach((kind, broken) -> broken.forEach(event -> {
      assertThat(isUuid(event.getEventId())).as("%s: event id is a UUID", kind).isEqualTo(kind != InvalidKind.BAD_EVENT_ID);
      assertThat(TYPE_NAME.matcher(event.getEventType()).matches()).as("%s: type name valid", kind)
          .isEqualTo(kind != InvalidKind.BAD_EVENT_TYPE && kind != InvalidKind.MISSING_FIELD);
      assertThat(event.getEventType().isEmpty()).as("%s: type missing", kind).isEqualTo(kind == InvalidKind.MISSING_FIELD);
      assertThat(SCHEMA_VER.matcher(event.getSchemaVersion()).matches()).as("%s: SchemaVer", kind)
          .isEqualTo(kind != InvalidKind.BAD_SCHEMA_VERSION);
      assertThat(JSON.readTree(event.getPayloadJson()).isObject()).as("%s: payload object", kind)
          .isEqualTo(kind != InvalidKind.PAYLOAD_NOT_OBJECT);
      assertThat(event.getOccurredAt().getSeconds() > NOW.getEpochSecond() + 86_400).as("%s: skewed", kind)
          .isEqualTo(kind == InvalidKind.CLOCK_SKEW);
    }));
  }

  @Test
  void validEventsPassEveryCollectorCheck() {
    List<GeneratedEvent> events = new TrafficGenerator(5, EventMix.demo(), CLOCK).next(5000);
    assertThat(events.stream().filter(GeneratedEvent::valid)).allSatisfy(generated -> {
      Event e = generated.event();
      assertThat(isUuid(e.getEventId())).isTrue();
      assertThat(e.getEventType()).matches(TYPE_NAME);
      assertThat(e.getSchemaVersion()).matches(SCHEMA_VER);
      assertThat(Math.abs(e.getOccurredAt().getSeconds() - NOW.getEpochSecond())).isLessThanOrEqualTo(5);
      assertThat(e.getSource()).isNotEmpty();
      assertThat(e.getContext().getUserAgent()).isNotEmpty();
      assertThat(e.getContext().getPageUrl()).startsWith("https://");
      assertThat(JSON.readTree(e.getPayloadJson()).isObject()).isTrue();
    });
  }

  @Test
  void aDuplicateResendsAnEarlierValidEventUnchanged() {
    List<GeneratedEvent> events = new TrafficGenerator(9, EventMix.demo(), CLOCK).next(10_000);
    Map<String, Event> seen = new HashMap<>();
    long duplicates = 0;
    for (GeneratedEvent e : events) {
      if (e.duplicate()) {
        duplicates++;
        assertThat(seen.get(e.eventId())).as("a duplicate repeats an event sent before").isEqualTo(e.event());
      } else if (e.valid()) {
        assertThat(seen.put(e.eventId(), e.event())).as("fresh events have fresh ids").isNull();
      }
    }
    assertThat(duplicates).isPositive();
  }

  @Test
  void trafficLooksLikeRealVisitsAcrossSitesDevicesCampaignsAndReferrers() {
    List<Event> events = new TrafficGenerator(11, EventMix.demo(), CLOCK).next(5000).stream()
        .map(GeneratedEvent::event).toList();
    assertThat(events.stream().map(Event::getSource).collect(Collectors.toSet())).hasSizeGreaterThanOrEqualTo(4);
    Set<String> agents = events.stream().map(e -> e.getContext().getUserAgent()).collect(Collectors.toSet());
    assertThat(agents).anyMatch(a -> a.contains("Windows NT")).anyMatch(a -> a.contains("iPhone"))
        .anyMatch(a -> a.contains("Android")).anyMatch(a -> a.contains("Googlebot"));
    List<String> urls = events.stream().map(e -> e.getContext().getPageUrl()).toList();
    assertThat(urls).anyMatch(u -> u.contains("utm_source=") && u.contains("utm_campaign="));
    for (String clickId : List.of("gclid=", "msclkid=", "fbclid=", "dclid=")) {
      assertThat(urls).as(clickId).anyMatch(u -> u.contains(clickId));
    }
    List<String> referrers = events.stream().map(e -> e.getContext().getReferrer()).toList();
    assertThat(referrers).anyMatch(r -> r.contains("google.") || r.contains("bing.com"))
        .anyMatch(r -> r.contains("facebook.com") || r.contains("t.co"))
        .anyMatch(r -> r.contains("mail."))
        .anyMatch(String::isEmpty)
        .anyMatch(r -> r.startsWith("https://shop.northpeak.example/"));
    Map<String, JsonNode> samplePayloads = new HashMap<>();
    events.forEach(e -> samplePayloads.putIfAbsent(e.getEventType(), JSON.readTree(e.getPayloadJson())));
    assertThat(samplePayloads.get("purchase").get("order_id").asString()).isNotEmpty();
    assertThat(samplePayloads.get("purchase").get("items").get(0).get("sku").asString()).isNotEmpty();
    assertThat(samplePayloads.get("add_to_cart").get("unit_price").isNumber()).isTrue();
    assertThat(samplePayloads.get("add_to_cart").get("currency").asString()).matches("[A-Z]{3}");
    assertThat(samplePayloads.get("signup").get("email").asString()).contains("@");
    assertThat(samplePayloads.get("page_view").get("path").asString()).startsWith("/");
    assertThat(samplePayloads.get("link_click").get("target_url").asString()).startsWith("https://");
    assertThat(events.stream().filter(e -> e.getEventType().equals("page_view")).map(Event::getSchemaVersion)
        .collect(Collectors.toSet())).as("page views from clients on both schema versions").contains("1-0-0", "1-0-1");
  }

  @Test
  void aMixRefusesUnknownTypesAndImpossibleShares() {
    assertThatThrownBy(() -> new EventMix(Map.of("page_veiw", 1), 2, 1))
        .hasMessageStartingWith("unknown event type 'page_veiw' in the mix");
    assertThatThrownBy(() -> new EventMix(Map.of("page_view", 0), 2, 1)).hasMessage("every weight in the mix is 0");
    assertThatThrownBy(() -> new EventMix(EventMix.DEFAULT_WEIGHTS, 120, 0))
        .hasMessage("invalid percentage must be between 0 and 100, was 120.0");
    assertThatThrownBy(() -> EventMix.parseWeights("page_view=lots"))
        .hasMessage("weight of page_view is not a whole number: lots");
    assertThat(EventMix.parseWeights("purchase=3, signup=1")).containsExactly(Map.entry("purchase", 3), Map.entry("signup", 1));
  }

  private static List<String> ids(List<GeneratedEvent> events) {
    return events.stream().map(GeneratedEvent::eventId).toList();
  }

  private static boolean isUuid(String text) {
    try {
      return UUID.fromString(text).toString().equals(text);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
