package dev.millrace.curation.quality;

import static dev.millrace.curation.fixture.LocalSpark.frame;
import static dev.millrace.curation.fixture.Rows.EVENTS;
import static dev.millrace.curation.fixture.Rows.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.curation.catalog.TableSchemas;
import dev.millrace.curation.config.CurationConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ChecksTest {

  static final Instant NOON = Instant.parse("2026-11-30T12:00:00Z");
  static final CurationConfig CONFIG = CurationConfig.of(Map.of(
      CurationConfig.PREFIX + "catalog.uri", "jdbc:postgresql://localhost/catalog",
      CurationConfig.PREFIX + "catalog.warehouse", "s3://curated/warehouse",
      CurationConfig.PREFIX + "input.bucket", "s3://events"));
  final Checks checks = new Checks(CONFIG);

  static Map<String, Object> with(String id, String column, Object value) {
    Map<String, Object> e = event(id, NOON, id.hashCode());
    e.put(column, value);
    return e;
  }

  @Test
  void requiredColumnsCountsRowsMissingAnyOfThem() {
    Dataset<Row> day = frame(EVENTS, event("a", NOON, 0), with("b", "payload_json", null), with("c", "kafka_offset", null));

    CheckResult r = checks.requiredColumns(day);

    assertThat(r.observed()).isEqualTo(2);
    assertThat(r.outcome()).isEqualTo("FAIL");
    assertThat(r.blocks()).isTrue();
    assertThat(checks.requiredColumns(frame(EVENTS, event("a", NOON, 0))).outcome()).isEqualTo("PASS");
  }

  @Test
  void uniqueEventIdCountsRepeatsInTheDayAndIdsAlsoOnOtherDays() {
    Dataset<Row> day = frame(EVENTS, event("a", NOON, 0), event("a", NOON, 1), event("b", NOON, 2));
    Dataset<Row> other = frame(EVENTS, event("b", NOON.minusSeconds(86_400), 0));

    CheckResult r = checks.uniqueEventId(day, other);

    assertThat(r.observed()).isEqualTo(2);
    assertThat(r.detail()).isEqualTo("1 repeated within the day, 1 also in the lookback days");
    assertThat(checks.uniqueEventId(frame(EVENTS, event("a", NOON, 0)), other).passed()).isTrue();
  }

  @Test
  void conservationHoldsOnlyWhenInputEqualsWrittenPlusDuplicatesExactly() {
    assertThat(checks.conservation(10, 9, 1).passed()).isTrue();
    CheckResult off = checks.conservation(10, 8, 1);
    assertThat(off.observed()).isEqualTo(1);
    assertThat(off.outcome()).isEqualTo("FAIL");
    assertThat(checks.conservation(10, 10, 1).observed()).isEqualTo(-1);
  }

  @Test
  void volumeComparesWithTheAverageOfEarlierSameWeekdaysAndPassesWithoutHistory() {
    assertThat(checks.volume(100, List.of()).passed()).isTrue();
    assertThat(checks.volume(100, List.of(0L, 0L)).detail()).contains("no earlier same weekday");
    CheckResult fine = checks.volume(120, List.of(100L, 0L, 100L));
    assertThat(fine.observed()).isEqualTo(0.2, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(fine.passed()).isTrue();
    CheckResult drop = checks.volume(40, List.of(100L, 100L));
    assertThat(drop.observed()).isEqualTo(0.6, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(drop.outcome()).as("volume is warn-only by default").isEqualTo("WARN");
    assertThat(drop.blocks()).isFalse();
  }

  @Test
  void botAndLateSharesAreFractionsOfTheDaysEventsHeldToTheirThresholds() {
    Dataset<Row> day = frame(EVENTS, with("a", "is_bot", true), with("b", "is_bot", false), with("c", "late", true),
        event("d", NOON, 3));

    CheckResult bots = checks.botShare(day);
    CheckResult late = checks.lateShare(day);

    assertThat(bots.observed()).isEqualTo(0.25);
    assertThat(bots.threshold()).isEqualTo(0.5);
    assertThat(bots.passed()).isTrue();
    assertThat(late.observed()).isEqualTo(0.25);
    assertThat(late.passed()).as("late share threshold 0.2").isFalse();
    assertThat(late.outcome()).isEqualTo("WARN");
    assertThat(checks.botShare(frame(EVENTS)).observed()).as("an empty day").isZero();
  }

  @Test
  void sessionsExistCountsSessionIdsWithoutASessionRow() {
    Dataset<Row> day = frame(EVENTS, with("a", "session_id", "s1"), with("b", "session_id", "s2"),
        with("c", "session_id", null));
    Dataset<Row> sessions = frame(StructType.fromDDL(TableSchemas.SESSIONS), Map.of("session_id", "s1"));

    CheckResult r = checks.sessionsExist(day, sessions);

    assertThat(r.observed()).isEqualTo(1);
    assertThat(r.blocks()).isTrue();
  }

  @Test
  void aCheckConfiguredBlockingFailsTheRunAndTheReportNamesValueAndThreshold() {
    Checks strict = new Checks(CONFIG.with(Map.of(
        CurationConfig.PREFIX + "check.bot_share.severity", "blocking",
        CurationConfig.PREFIX + "check.bot_share.threshold", "0.1")));

    CheckResult r = strict.botShare(frame(EVENTS, with("a", "is_bot", true), event("b", NOON, 1)));

    assertThat(r.blocks()).isTrue();
    assertThat(r.describe()).startsWith("FAIL").contains("bot_share", "observed 0.5000", "threshold 0.1000",
        "BLOCKING", "1 of 2 events flagged as bots");
  }
}
