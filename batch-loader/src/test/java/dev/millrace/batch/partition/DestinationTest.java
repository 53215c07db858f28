package dev.millrace.batch.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class DestinationTest {

  @Test
  void aRecordLandsInTheHiveDirectoryOfItsTypeAndUtcHour() {
    Destination d = Destination.of("page_view", Instant.parse("2026-11-20T23:59:59.999Z").toEpochMilli());
    assertThat(d.directory()).isEqualTo("event_type=page_view/dt=2026-11-20/hour=23");
    assertThat(d.hourStartMillis()).isEqualTo(Instant.parse("2026-11-20T23:00:00Z").toEpochMilli());
    assertThat(Destination.of("page_view", Instant.parse("2026-11-21T00:00:00Z").toEpochMilli()).directory())
        .isEqualTo("event_type=page_view/dt=2026-11-21/hour=00");
  }

  @Test
  void timesBeforeTheEpochStillFloorToTheirHour() {
    Destination d = Destination.of("x", -1);
    assertThat(d.directory()).isEqualTo("event_type=x/dt=1969-12-31/hour=23");
  }

  @Test
  void typesThatWouldBreakAPathAreEscapedAsHiveDoes() {
    Destination d = Destination.of("a/b=c d", 0);
    assertThat(d.directory()).startsWith("event_type=a%2Fb%3Dc%20d/");
    assertThat(Destination.of("", 0).directory()).startsWith("event_type=__HIVE_DEFAULT_PARTITION__/");
  }

  @Test
  void parsesBackFromAKey() {
    Destination d = Destination.of("a/b=ç", Instant.parse("2026-01-02T03:04:05Z").toEpochMilli());
    assertThat(Destination.parse("events/" + d.directory() + "/f.parquet")).isEqualTo(d);
    assertThat(Destination.parse("events/_offsets/x")).isNull();
  }

  @Test
  void refusesAStartThatIsNotAnHour() {
    assertThatThrownBy(() -> new Destination("x", 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
