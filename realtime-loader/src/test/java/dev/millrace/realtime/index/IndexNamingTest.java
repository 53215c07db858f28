package dev.millrace.realtime.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class IndexNamingTest {

  @Test
  void dailyIndexesAreNamedByTheUtcDay() {
    IndexNaming daily = new IndexNaming("yyyy.MM.dd");

    assertThat(daily.indexName("millrace-events", Instant.parse("2026-11-20T23:59:59.999Z")))
        .isEqualTo("millrace-events-2026.11.20");
    assertThat(daily.indexName("millrace-events", Instant.parse("2026-11-21T00:00:00Z")))
        .isEqualTo("millrace-events-2026.11.21");
  }

  @Test
  void thePatternPicksThePeriodAndNamesStayLowerCase() {
    assertThat(new IndexNaming("yyyy.MM").indexName("millrace-events", Instant.parse("2026-01-31T12:00:00Z")))
        .isEqualTo("millrace-events-2026.01");
    assertThat(new IndexNaming("yyyy-MMM").indexName("millrace-events", Instant.parse("2026-01-31T12:00:00Z")))
        .isEqualTo("millrace-events-2026-jan");
  }

  @Test
  void aNameReusedWithinASecondIsStillThePrefixesAndTheSeconds() {
    IndexNaming hourly = new IndexNaming("yyyy.MM.dd.HH");
    Instant t = Instant.parse("2026-11-20T10:59:59.100Z");
    assertThat(hourly.indexName("e", t)).isEqualTo("e-2026.11.20.10");
    assertThat(hourly.indexName("e", t.plusMillis(800))).isEqualTo("e-2026.11.20.10");
    assertThat(hourly.indexName("d", t.plusMillis(800))).isEqualTo("d-2026.11.20.10");
    assertThat(hourly.indexName("d", t.plusMillis(900))).isEqualTo("d-2026.11.20.11");
    assertThat(hourly.indexName("e", t)).isEqualTo("e-2026.11.20.10");

    IndexNaming tenths = new IndexNaming("HH.mm.ss.S");
    assertThat(tenths.indexName("e", t)).isEqualTo("e-10.59.59.1");
    assertThat(tenths.indexName("e", t.plusMillis(100))).isEqualTo("e-10.59.59.2");
  }

  @Test
  void templatesMatchEveryPeriodOfAPrefix() {
    assertThat(IndexNaming.pattern("millrace-dead-letters")).isEqualTo("millrace-dead-letters-*");
  }
}
