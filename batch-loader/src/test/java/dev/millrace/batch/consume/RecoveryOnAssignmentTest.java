package dev.millrace.batch.consume;

import static dev.millrace.batch.consume.LoopParts.T0;
import static dev.millrace.batch.consume.LoopParts.TP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.config.BatchProperties.MarkerMode;
import dev.millrace.batch.marker.MarkerWriter;
import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.support.TestProps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery of a newly assigned partition from what the store holds. */
class RecoveryOnAssignmentTest {

  @TempDir Path dir;
  private LoopParts parts;
  private RecoveryOnAssignment recovery;
  private PartitionState st;
  private final Destination views = Destination.of("page_view", T0.toEpochMilli());

  @BeforeEach
  void setUp() {
    parts = new LoopParts(TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE));
    MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    consumer.assign(List.of(TP));
    consumer.updateBeginningOffsets(Map.of(TP, 0L));
    consumer.seek(TP, 20); // the committed offset
    MarkerWriter markers = new MarkerWriter(parts.store, parts.names, "enriched",
        Duration.ofMinutes(10));
    recovery = new RecoveryOnAssignment(consumer, parts.states, parts.store, parts.names, markers,
        parts.health, parts.turn);
    st = new PartitionState(TP, parts.clock.millis());
    parts.states.put(TP, st);
  }

  private void receipt(long first, long last, boolean dataStored) throws Exception {
    String dataKey = parts.names.dataKey(views, new ObjectNames.DataFile("enriched", 0, first, last));
    parts.store.put(parts.names.receiptKey("enriched", 0, first, last),
        dataKey.getBytes(StandardCharsets.UTF_8));
    if (dataStored) {
      parts.store.put(dataKey, new byte[] {1});
    }
  }

  @Test
  void aPartitionStartsAtItsCommittedOffsetKnowingWhatTheStoreAlreadyHas() throws Exception {
    receipt(10, 50, true);
    receipt(60, 70, false);
    recovery.recoverAssigned();
    assertThat(st.recovered).isTrue();
    assertThat(st.nextOffset).isEqualTo(20);
    assertThat(st.lastCommitted).isEqualTo(20);
    assertThat(st.alreadyStored.contains(views, 30)).as("re-read, then dropped").isTrue();
    assertThat(st.alreadyStored.contains(views, 51)).isFalse();
    assertThat(st.unfinished).containsEntry(views, Map.of(60L, 70L));
    assertThat(st.receipts).extracting(Map.Entry::getKey).containsExactly(50L);
  }

  @Test
  void withNothingInTheStoreThereIsNothingToSkip() {
    recovery.recoverAssigned();
    assertThat(st.recovered).isTrue();
    assertThat(st.alreadyStored).isNull();
  }

  @Test
  void whileTheStoreFailsThePartitionStaysUnrecoveredAndIsTriedAgainAfterTheBackoff()
      throws Exception {
    receipt(10, 50, true);
    parts.store.down = true;
    recovery.recoverAssigned();
    assertThat(st.recovered).isFalse();
    assertThat(parts.health.failing()).isTrue();

    parts.store.down = false;
    parts.clock.advance(parts.props.retry().maxBackoff());
    recovery.recoverAssigned();
    assertThat(st.recovered).isTrue();
    assertThat(st.alreadyStored.contains(views, 30)).isTrue();
  }

  @Test
  void aRecoveryCutOffByTheTurnsBudgetGoesOnAtTheNextTurn() throws Exception {
    receipt(10, 50, true);
    receipt(51, 55, true);
    parts.store.slow(parts.clock, Duration.ofSeconds(4));
    parts.turn.start(); // the test budget is 10 s: not every call fits
    recovery.recoverAssigned();
    assertThat(st.recovered).isFalse();
    while (!st.recovered) {
      parts.turn.start();
      recovery.recoverAssigned();
    }
    assertThat(st.nextOffset).isEqualTo(20);
    assertThat(st.alreadyStored.files()).isEqualTo(2);
  }

  @Test
  void theWatermarkThePartitionPublishedBeforeIsReadBack() throws Exception {
    long published = T0.plusSeconds(600).toEpochMilli();
    new MarkerWriter(parts.store, parts.names, "enriched", Duration.ofMinutes(10))
        .publish(0, published);
    recovery.recoverAssigned();
    assertThat(st.publishedWatermark).isEqualTo(published);
    assertThat(st.maxTimeMillis).isEqualTo(published);
  }
}
