package dev.millrace.curation.transform;

import static dev.millrace.curation.fixture.LocalSpark.frame;
import static dev.millrace.curation.fixture.Rows.EVENTS;
import static dev.millrace.curation.fixture.Rows.event;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class SessionsTest {

  static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
  static final Duration GAP = Duration.ofMinutes(30);

  static Map<String, Object> visit(String id, String anonymousId, Instant at) {
    Map<String, Object> e = event(id, at, Long.parseLong(id.replaceAll("\\D", "")));
    e.put("anonymous_id", anonymousId);
    return e;
  }

  private static List<String> sessionOf(Dataset<Row> events) {
    return events.orderBy("event_id").select("session_id").collectAsList().stream().map(r -> r.getString(0)).toList();
  }

  @Test
  void aGapLongerThanTheLimitStartsANewSession_exactlyTheLimitDoesNot() {
    Dataset<Row> day = frame(EVENTS,
        visit("e1", "A", T0),
        visit("e2", "A", T0.plus(GAP)),
        visit("e3", "A", T0.plus(GAP).plus(GAP).plusSeconds(1)),
        visit("e4", "B", T0));

    List<String> ids = sessionOf(Sessions.assign(day, Sessions.openAtEnd(frame(EVENTS)), GAP));

    assertThat(ids.get(0)).isEqualTo(ids.get(1));
    assertThat(ids.get(2)).isNotEqualTo(ids.get(0));
    assertThat(ids.get(3)).isNotIn(ids.get(0), ids.get(2));
    assertThat(ids).doesNotContainNull();
  }

  @Test
  void sessionIdsDependOnlyOnTheEventsSoARunAgainGivesTheSameIds() {
    Dataset<Row> day = frame(EVENTS, visit("e2", "A", T0.plusSeconds(5)), visit("e1", "A", T0));
    Dataset<Row> shuffled = frame(EVENTS, visit("e1", "A", T0), visit("e2", "A", T0.plusSeconds(5)));

    assertThat(sessionOf(Sessions.assign(day, Sessions.openAtEnd(frame(EVENTS)), GAP)))
        .isEqualTo(sessionOf(Sessions.assign(shuffled, Sessions.openAtEnd(frame(EVENTS)), GAP)));
  }

  @Test
  void aSessionOpenAtMidnightContinuesIntoTheNextDay_unlessTheGapHasPassed() {
    Instant late = Instant.parse("2026-11-30T23:50:00Z");
    Map<String, Object> before = visit("e1", "A", late);
    before.put("session_id", "s-open");
    Map<String, Object> beforeB = visit("e2", "B", late);
    beforeB.put("session_id", "s-b");
    Dataset<Row> earlier = frame(EVENTS, before, beforeB);
    Map<String, Object> next = visit("e3", "A", late.plus(Duration.ofMinutes(20)));
    next.put("ds", LocalDate.parse("2026-12-01"));
    Map<String, Object> nextB = visit("e4", "B", late.plus(Duration.ofMinutes(31)));

    List<String> ids = sessionOf(Sessions.assign(frame(EVENTS, next, nextB), Sessions.openAtEnd(earlier), GAP));

    assertThat(ids.get(0)).isEqualTo("s-open");
    assertThat(ids.get(1)).isNotEqualTo("s-b").isNotNull();
  }

  @Test
  void anEventWithoutAnAnonymousIdGetsNoSession() {
    Dataset<Row> day = frame(EVENTS, visit("e1", null, T0));

    assertThat(sessionOf(Sessions.assign(day, Sessions.openAtEnd(frame(EVENTS)), GAP))).containsExactly((String) null);
  }

  @Test
  void summariseGivesTimesPagesBounceAndConversionFromTheSessionsEvents() {
    Map<String, Object> landing = visit("e1", "A", T0);
    landing.put("page_path", "/home");
    landing.put("utm_campaign", "winter");
    Map<String, Object> purchase = visit("e2", "A", T0.plusSeconds(600));
    purchase.put("event_type", "purchase");
    purchase.put("page_path", "/checkout");
    purchase.put("payload_json", "{\"total\": 19.99}");
    purchase.put("user_id", "u1");
    Map<String, Object> single = visit("e3", "B", T0);
    single.put("page_path", "/blog");
    Dataset<Row> events = Sessions.assign(frame(EVENTS, landing, purchase, single), Sessions.openAtEnd(frame(EVENTS)), GAP);

    List<Row> rows = Sessions.summarise(events).orderBy("anonymous_id").select("anonymous_id", "user_id", "ds",
        "events", "page_views", "duration_seconds", "entry_page", "exit_page", "utm_campaign", "bounced", "converted",
        "revenue").collectAsList();

    assertThat(rows).extracting(Row::toString).containsExactly(
        "[A,u1,2026-11-30,2,1,600,/home,/checkout,winter,false,true,19.99]",
        "[B,null,2026-11-30,1,1,0,/blog,/blog,null,true,false,0.00]");
  }
}
