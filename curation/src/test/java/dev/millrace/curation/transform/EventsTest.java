package dev.millrace.curation.transform;

import static dev.millrace.curation.fixture.LocalSpark.frame;
import static dev.millrace.curation.fixture.Rows.EVENTS;
import static dev.millrace.curation.fixture.Rows.RAW;
import static dev.millrace.curation.fixture.Rows.event;
import static dev.millrace.curation.fixture.Rows.raw;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class EventsTest {

  static final Instant NOON = Instant.parse("2026-11-30T12:00:00Z");

  @Test
  void flattenFlagsAnEventLateOnlyWhenItOccurredMoreThanTheLimitBeforeItWasReceived() {
    Map<String, Object> onTime = raw("a", NOON, 0);
    Map<String, Object> atLimit = raw("b", NOON, 1);
    atLimit.put("occurred_at", NOON.minus(Duration.ofHours(6)));
    Map<String, Object> late = raw("c", NOON, 2);
    late.put("occurred_at", NOON.minus(Duration.ofHours(6)).minusSeconds(1));
    Map<String, Object> noTime = raw("d", NOON, 3);
    noTime.put("occurred_at", null);

    List<Row> rows = Events.flatten(frame(RAW, onTime, atLimit, late, noTime), Duration.ofHours(6))
        .orderBy("event_id").select("event_id", "late").collectAsList();

    assertThat(rows).extracting(Row::toString).containsExactly("[a,false]", "[b,false]", "[c,true]", "[d,false]");
  }

  @Test
  void flattenSplitsThePageUrlAndKeepsABadOneWithoutCrashing() {
    Map<String, Object> good = raw("a", NOON, 0);
    good.put("page_url", "https://shop.example.com/p/shoes?utm_campaign=x");
    good.put("campaign_name", "x");
    Map<String, Object> bad = raw("b", NOON, 1);
    bad.put("page_url", "not a url ::");

    List<Row> rows = Events.flatten(frame(RAW, good, bad), Duration.ofHours(6)).orderBy("event_id")
        .select("event_id", "ds", "page_host", "page_path", "utm_campaign").collectAsList();

    assertThat(rows).extracting(Row::toString).containsExactly(
        "[a,2026-11-30,shop.example.com,/p/shoes,x]", "[b,2026-11-30,null,null,null]");
  }

  @Test
  void deduplicateKeepsTheEarliestReceivedCopyAndBreaksTiesByKafkaPosition() {
    Dataset<Row> day = frame(EVENTS,
        event("a", NOON.plusSeconds(60), 5),
        event("a", NOON, 9),
        event("b", NOON, 7),
        event("b", NOON, 3),
        event("c", NOON, 1));

    List<Row> rows = Events.deduplicate(day, frame(EVENTS)).orderBy("event_id")
        .select("event_id", "kafka_offset").collectAsList();

    assertThat(rows).extracting(Row::toString).containsExactly("[a,9]", "[b,3]", "[c,1]");
  }

  @Test
  void deduplicateDropsAnIdAlreadyPublishedOnAnEarlierDay() {
    Dataset<Row> day = frame(EVENTS, event("a", NOON, 1), event("b", NOON, 2));
    Dataset<Row> earlier = frame(EVENTS, event("a", NOON.minus(Duration.ofDays(2)), 0));

    assertThat(Events.deduplicate(day, earlier).select("event_id").collectAsList())
        .extracting(r -> r.getString(0)).containsExactly("b");
  }

  @Test
  void revenueIsThePurchaseTotalAndZeroForOtherEventsOrABadTotal() {
    Map<String, Object> purchase = event("a", NOON, 0);
    purchase.put("event_type", "purchase");
    purchase.put("payload_json", "{\"total\": 42.5}");
    Map<String, Object> badTotal = event("b", NOON, 1);
    badTotal.put("event_type", "purchase");
    badTotal.put("payload_json", "{\"total\": \"lots\"}");
    Map<String, Object> view = event("c", NOON, 2);
    view.put("payload_json", "{\"total\": 10}");

    List<Row> rows = frame(EVENTS, purchase, badTotal, view).orderBy("event_id")
        .select(Events.revenue().cast("string")).collectAsList();

    assertThat(rows).extracting(r -> r.getString(0)).containsExactly("42.50", "0.00", "0.00");
  }
}
