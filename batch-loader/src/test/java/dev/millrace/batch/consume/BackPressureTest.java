package dev.millrace.batch.consume;

import static dev.millrace.batch.consume.LoopParts.TP;
import static dev.millrace.batch.consume.LoopParts.TP1;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** Which partitions the loop reads: a decision on the partitions' state alone. */
class BackPressureTest {

  private static PartitionState recovered(org.apache.kafka.common.TopicPartition tp) {
    PartitionState st = new PartitionState(tp, 0);
    st.recovered = true;
    return st;
  }

  @Test
  void recoveredPartitionsAreReadWhileTheStoreAnswers() {
    BackPressure decision = BackPressure.decide(List.of(recovered(TP), recovered(TP1)), false, 0, 10);
    assertThat(decision.resume()).containsExactlyInAnyOrder(TP, TP1);
    assertThat(decision.pause()).isEmpty();
  }

  @Test
  void nothingIsReadFromAPartitionBeforeItsRecovery() {
    BackPressure decision = BackPressure.decide(
        List.of(new PartitionState(TP, 0), recovered(TP1)), false, 0, 10);
    assertThat(decision.pause()).containsExactly(TP);
    assertThat(decision.resume()).containsExactly(TP1);
  }

  @Test
  void everyPartitionPausesWhileTheStoreFailsOrTooManyClosedFilesWait() {
    List<PartitionState> both = List.of(recovered(TP), recovered(TP1));
    assertThat(BackPressure.decide(both, true, 0, 10).pause()).containsExactlyInAnyOrder(TP, TP1);
    assertThat(BackPressure.decide(both, false, 11, 10).pause()).containsExactlyInAnyOrder(TP, TP1);
    assertThat(BackPressure.decide(both, false, 10, 10).pause()).isEmpty();
  }

  @Test
  void aStoppedPartitionOrOneWhoseDeadLetterWaitsToBeSentAgainPausesAlone() {
    PartitionState stopped = recovered(TP);
    stopped.stopped = "topic enriched partition 0 stopped at offset 3";
    PartitionState waiting = recovered(TP1);
    waiting.deadLetters.add(new PendingDeadLetter(new ProducerRecord<>("dlq", new byte[0]), 7));
    assertThat(BackPressure.decide(List.of(stopped, waiting), false, 0, 10).pause())
        .containsExactlyInAnyOrder(TP, TP1);

    PartitionState inFlight = recovered(TP1);
    PendingDeadLetter sent = new PendingDeadLetter(new ProducerRecord<>("dlq", new byte[0]), 7);
    sent.ack = new java.util.concurrent.CompletableFuture<>();
    inFlight.deadLetters.add(sent);
    assertThat(BackPressure.decide(List.of(inFlight), false, 0, 10).resume())
        .as("a dead letter in flight does not stop reading").containsExactly(TP1);
  }
}
