package dev.millrace.batch.consume;

import static dev.millrace.batch.consume.LoopParts.TP;
import static dev.millrace.batch.consume.LoopParts.TP1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.config.BatchProperties.MarkerMode;
import dev.millrace.batch.support.TestProps;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dead letters against Kafka's MockProducer: the broker answers when the test says so. */
class DeadLetterSenderTest {

  @TempDir Path dir;
  private LoopParts parts;
  private final MockProducer<String, byte[]> producer =
      new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
  private DeadLetterSender sender;
  private PartitionState st;

  @BeforeEach
  void setUp() {
    parts = new LoopParts(TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE));
    sender = new DeadLetterSender(parts.props, producer, parts.clock, parts.newBackoff(),
        parts.turn, parts.metrics, parts.states);
    st = parts.recovered(TP);
  }

  /** The loop's part: the record is dead-lettered and the partition moves past it. */
  private void garbage(long offset) {
    sender.deadLetter(st, new ConsumerRecord<>("enriched", 0, offset, "k", new byte[] {(byte) 0xff}),
        "not an EnrichedEvent");
    st.nextOffset = offset + 1;
  }

  @Test
  void aDeadLetterHoldsItsPartitionsCommitUntilTheBrokerAcknowledgesIt() throws Exception {
    garbage(4);
    assertThat(st.committable()).isEqualTo(4);
    assertThat(DeadLetter.parseFrom(producer.history().get(0).value()).getReason())
        .isEqualTo(ReasonCode.LOADER_UNDECODABLE);
    sender.settle(parts.clock.millis());
    assertThat(st.committable()).as("not acknowledged yet").isEqualTo(4);
    assertThat(sender.awaiting()).isTrue();

    producer.completeNext();
    sender.settle(parts.clock.millis());
    assertThat(st.committable()).isEqualTo(5);
    assertThat(sender.awaiting()).isFalse();
  }

  @Test
  void aRetriableFailureIsSentAgainAfterTheBackoff() {
    garbage(4);
    producer.errorNext(new TimeoutException("no leader"));
    sender.settle(parts.clock.millis());
    assertThat(sender.trouble()).contains("dead-letter topic dlq failing");
    assertThat(st.deadLetterWaiting()).isTrue();
    sender.resend();
    assertThat(producer.history()).as("not before the backoff").hasSize(1);

    parts.clock.advance(parts.props.retry().maxBackoff());
    sender.resend();
    assertThat(producer.history()).hasSize(2);
    producer.completeNext();
    sender.settle(parts.clock.millis());
    assertThat(sender.trouble()).isNull();
    assertThat(st.committable()).isEqualTo(5);
  }

  @Test
  void noAnswerWithinTheDeadLetterTimeoutCountsAsARetriableFailure() {
    garbage(4);
    parts.clock.advance(parts.props.deadLetterTimeout());
    sender.settle(parts.clock.millis());
    assertThat(sender.trouble()).contains("not acknowledged within");
    assertThat(st.deadLetterWaiting()).isTrue();
  }

  @Test
  void aDeadLetterRefusedForGoodStopsOnlyItsPartitionAndIsNeverSentAgain() {
    PartitionState other = parts.recovered(TP1);
    other.nextOffset = 9;
    garbage(7);
    producer.errorNext(new RecordTooLargeException("the dead letter is too large"));
    sender.settle(parts.clock.millis());
    assertThat(sender.failure()).contains("topic enriched partition 0 stopped at offset 7",
        "RecordTooLargeException");
    assertThat(st.committable()).as("nothing from the refused record on").isEqualTo(7);
    assertThat(other.stopped).isNull();

    parts.clock.advance(parts.props.retry().maxBackoff());
    sender.resend();
    assertThat(producer.history()).hasSize(1);
    assertThat(sender.awaiting()).as("a stopped partition waits for nothing").isFalse();
  }

  @Test
  void whileTheTopicFailsANewDeadLetterWaitsForTheNextResend() {
    garbage(1);
    producer.errorNext(new TimeoutException("no leader"));
    sender.settle(parts.clock.millis());
    garbage(2);
    assertThat(producer.history()).as("not sent while the topic is known to fail").hasSize(1);
    parts.clock.advance(parts.props.retry().maxBackoff());
    sender.resend();
    assertThat(producer.history()).hasSize(3);
  }
}
