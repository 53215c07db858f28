package dev.millrace.collector.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.collector.testing.Fixtures;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The sink's promises, with Kafka's own MockProducer standing in for the broker. */
class KafkaSinkTest {

  private final MockProducer<String, byte[]> producer =
      new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
  private final AtomicBoolean reachable = new AtomicBoolean(true);
  private final KafkaSink sink = new KafkaSink(producer, 1000, reachable::get);

  private static ProducerRecord<String, byte[]> record(int bytes) {
    return new ProducerRecord<>("raw", null, new byte[bytes]);
  }

  @Test
  void theRequestCompletesOnlyWhenEveryRecordIsAcknowledged() {
    CompletableFuture<Void> done = sink.sendAll(List.of(record(100), record(100)));

    producer.completeNext();
    assertThat(done).isNotDone();
    producer.completeNext();
    assertThat(done).isCompleted();
    assertThat(sink.inFlightBytes()).isZero();
  }

  @Test
  void oneFailedRecordFailsTheRequest() {
    CompletableFuture<Void> done = sink.sendAll(List.of(record(100), record(100)));

    producer.completeNext();
    producer.errorNext(new TimeoutException("expired"));

    assertThatThrownBy(done::get).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(SinkUnavailableException.class,
            e -> assertThat(e.kind()).isEqualTo(SinkUnavailableException.Cause.SEND_FAILED));
    assertThat(sink.inFlightBytes()).isZero();
  }

  @Test
  void pastTheInFlightCapARequestIsRefusedAtOnceAndNothingIsSent() {
    sink.sendAll(List.of(record(600)));
    assertThat(sink.inFlightBytes()).isEqualTo(600);

    assertThatThrownBy(() -> sink.sendAll(List.of(record(300), record(200))))
        .isInstanceOfSatisfying(SinkUnavailableException.class,
            e -> assertThat(e.kind()).isEqualTo(SinkUnavailableException.Cause.IN_FLIGHT_CAP));
    assertThat(producer.history()).hasSize(1);

    producer.completeNext();
    assertThat(sink.sendAll(List.of(record(300), record(200)))).isNotNull();
  }

  @Test
  void whileTheBrokerIsKnownDownRequestsAreRefusedAtOnce() {
    reachable.set(false);

    assertThatThrownBy(() -> sink.sendAll(List.of(record(1))))
        .isInstanceOfSatisfying(SinkUnavailableException.class,
            e -> assertThat(e.kind()).isEqualTo(SinkUnavailableException.Cause.BROKER_UNREACHABLE));
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void aSendThatThrowsFailsTheRequestAndReleasesItsBytes() {
    producer.sendException = new TimeoutException("metadata not available after max.block.ms");

    CompletableFuture<Void> done = sink.sendAll(List.of(record(100), record(100)));

    assertThat(done).isCompletedExceptionally();
    assertThat(sink.inFlightBytes()).isZero();
  }

  @Test
  void theProducerIsConfiguredForDurability() {
    var config = KafkaClients.producerConfig(Fixtures.properties());

    assertThat(config).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
        .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
        .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:1");
    assertThat(KafkaClients.adminConfig(Fixtures.properties()))
        .containsEntry("bootstrap.servers", "localhost:1")
        .doesNotContainKey(ProducerConfig.ACKS_CONFIG);
  }
}
