package dev.millrace.batch.consume;

import static dev.millrace.batch.consume.LoopParts.T0;
import static dev.millrace.batch.consume.LoopParts.TP;
import static dev.millrace.batch.consume.LoopParts.TP1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.config.BatchProperties.MarkerMode;
import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.support.TestProps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exactly-once step alone: what is committed, when, and what happens to receipts. */
class OffsetCommitterTest {

  @TempDir Path dir;
  private LoopParts parts;
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private boolean commitFails;
  private OffsetCommitter committer;

  @BeforeEach
  void setUp() {
    parts = new LoopParts(TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE));
    MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
      @Override
      public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (commitFails) {
          throw new CommitFailedException("the group rebalanced");
        }
        offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
      }
    };
    consumer.assign(List.of(TP, TP1));
    committer = new OffsetCommitter(consumer, parts.states, parts.store, parts.health,
        FaultInjection.NONE);
  }

  @Test
  void aPartitionIsCommittedOnlyUpToItsFirstRecordNotYetInTheStore() throws Exception {
    PartitionState st = parts.recovered(TP);
    st.nextOffset = 5;
    parts.closedFile(st, "click", 0, 0);
    parts.closedFile(st, "page_view", 1, 4);
    committer.commit();
    assertThat(committed).as("nothing is stored yet").isEmpty();

    parts.uploader.upload();
    committer.commit();
    assertThat(committed).containsEntry(TP, 5L);
  }

  @Test
  void anOpenFileHoldsTheCommitAtItsFirstRecordWhileLaterFilesAreStored() throws Exception {
    PartitionState st = parts.recovered(TP);
    st.nextOffset = 10;
    OpenFile quiet = new OpenFile(TP, Destination.of("click", T0.toEpochMilli()), null, 1,
        parts.clock.millis());
    st.open.put(quiet.destination, quiet);
    parts.closedFile(st, "page_view", 2, 9);
    parts.uploader.upload();
    committer.commit();
    assertThat(committed).containsEntry(TP, 1L);
  }

  @Test
  void aPartitionNotYetRecoveredIsNeverCommitted() {
    PartitionState st = new PartitionState(TP, parts.clock.millis());
    st.nextOffset = 7;
    parts.states.put(TP, st);
    committer.commit();
    assertThat(committed).isEmpty();
  }

  @Test
  void aDeadLetterNotYetAcknowledgedHoldsOnlyItsOwnPartition() {
    PartitionState withLetter = parts.recovered(TP);
    withLetter.nextOffset = 10;
    withLetter.deadLetters.add(new PendingDeadLetter(new ProducerRecord<>("dlq", new byte[0]), 3));
    PartitionState other = parts.recovered(TP1);
    other.nextOffset = 6;
    committer.commit();
    assertThat(committed).containsEntry(TP, 3L).containsEntry(TP1, 6L);
  }

  @Test
  void receiptsGoOnceTheCommitPassesThemAndStayWhenTheCommitFails() throws Exception {
    PartitionState st = parts.recovered(TP);
    parts.store.put("events/_offsets/enriched/p0/r2", new byte[0]);
    parts.store.put("events/_offsets/enriched/p0/r8", new byte[0]);
    st.receipts.add(Map.entry(2L, "events/_offsets/enriched/p0/r2"));
    st.receipts.add(Map.entry(8L, "events/_offsets/enriched/p0/r8"));
    st.nextOffset = 5;
    committer.commit();
    assertThat(parts.store.objects).containsOnlyKeys("events/_offsets/enriched/p0/r8");

    commitFails = true;
    st.nextOffset = 10;
    committer.commit();
    assertThat(st.lastCommitted).isEqualTo(5);
    assertThat(parts.store.objects).containsOnlyKeys("events/_offsets/enriched/p0/r8");

    commitFails = false;
    committer.commit();
    assertThat(committed).containsEntry(TP, 10L);
    assertThat(parts.store.objects).isEmpty();
    assertThat(st.receipts).isEmpty();
  }
}
