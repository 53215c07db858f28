package dev.millrace.producer.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.proto.v1.Event;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryClockTest {

  private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-07T15:00:00Z"), ZoneOffset.UTC);

  @Test
  void occurredAtCoversTheWholePastDaysAndEndsNow() {
    HistoryClock clock = new HistoryClock(3, 1000, NOW);
    List<Instant> readings = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      readings.add(clock.instant());
    }
    assertThat(readings.get(0)).isEqualTo(Instant.parse("2026-12-04T00:00:05Z"));
    assertThat(readings).isSorted();
    assertThat(readings.get(999)).isBefore(NOW.instant()).isAfter(Instant.parse("2026-12-07T14:00:00Z"));
    // Every hour of the three whole days gets events, so the batch loader marks each one.
    long hours = readings.stream().filter(t -> t.isBefore(Instant.parse("2026-12-07T00:00:00Z")))
        .map(t -> t.getEpochSecond() / 3600).distinct().count();
    assertThat(hours).isEqualTo(72);
  }

  @Test
  void theGeneratorsEventsLandOnTheDaysOfTheSpread() {
    TrafficGenerator generator = new TrafficGenerator(7, EventMix.demo(), new HistoryClock(2, 500, NOW));
    List<LocalDate> days = generator.next(500).stream().filter(e -> e.invalid() == null)
        .map(GeneratedEvent::event).map(Event::getOccurredAt)
        .map(t -> LocalDate.ofInstant(Instant.ofEpochSecond(t.getSeconds()), ZoneOffset.UTC)).distinct().toList();
    assertThat(days).containsExactly(LocalDate.parse("2026-12-05"), LocalDate.parse("2026-12-06"),
        LocalDate.parse("2026-12-07"));
  }

  @Test
  void theSpreadStaysWithinWhatTheCollectorAccepts() {
    assertThatThrownBy(() -> new HistoryClock(30, 10, NOW)).hasMessageContaining("--history-days must be from 1 to 29");
    assertThatThrownBy(() -> new HistoryClock(3, 0, NOW)).hasMessageContaining("needs a --count");
  }
}
