package dev.millrace.enricher.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.junit.jupiter.api.Test;

class DeadLetterDeserializationHandlerTest {

  @Test
  void aRecordThatFailsToDeserializeIsDeadLetteredAndProcessingGoesOn() throws Exception {
    DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler();
    handler.configure(Map.of(DeadLetterDeserializationHandler.DEAD_LETTER_TOPIC_CONFIG, "dl"));
    byte[] value = "garbage".getBytes(StandardCharsets.UTF_8);
    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("millrace.raw", 2, 41L,
        "k".getBytes(StandardCharsets.UTF_8), value);

    DeserializationExceptionHandler.Response response =
        handler.handleError(null, record, new SerializationException("boom"));

    assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
    assertThat(response.deadLetterQueueRecords()).hasSize(1);
    ProducerRecord<byte[], byte[]> out = response.deadLetterQueueRecords().get(0);
    assertThat(out.topic()).isEqualTo("dl");
    assertThat(new String(out.key(), StandardCharsets.UTF_8)).as("never the raw key").isEqualTo("millrace.raw-2@41");
    DeadLetter dl = DeadLetter.parseFrom(out.value());
    assertThat(dl.getStage()).isEqualTo(Stage.STAGE_ENRICHER);
    assertThat(dl.getReason()).isEqualTo(ReasonCode.UNDECODABLE);
    assertThat(dl.getOriginal().toByteArray()).isEqualTo(value);
    assertThat(dl.getSourceTopic()).isEqualTo("millrace.raw");
    assertThat(dl.getSourcePartition()).isEqualTo(2);
    assertThat(dl.getSourceOffset()).isEqualTo(41L);
    assertThat(new String(out.headers().lastHeader(WireNames.HEADER_REASON).value(), StandardCharsets.UTF_8))
        .isEqualTo("UNDECODABLE");
  }
}
