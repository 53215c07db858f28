package dev.millrace.enricher.topology;

import dev.millrace.enricher.topology.OutputRecords.Source;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A safety net: the topology reads raw values as bytes and decodes them itself, so no record should
 * fail to deserialize. If one ever does, it goes to the dead-letter topic as UNDECODABLE, in the
 * same transaction, instead of stopping the stream thread, keyed by its source topic, partition and
 * offset (never by its raw key, which may be a user id).
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

  /** Config key (passed in the Streams properties) naming the dead-letter topic. */
  public static final String DEAD_LETTER_TOPIC_CONFIG = "millrace.enricher.dead-letter-topic";

  private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

  private String topic;

  @Override
  public void configure(Map<String, ?> configs) {
    Object t = configs.get(DEAD_LETTER_TOPIC_CONFIG);
    if (t == null) {
      throw new IllegalArgumentException(DEAD_LETTER_TOPIC_CONFIG + " is required");
    }
    topic = t.toString();
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                              Exception exception) {
    log.warn("undecodable record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
        exception.getClass().getSimpleName());
    DeadLetter deadLetter = OutputRecords.deadLetter(ReasonCode.UNDECODABLE,
            "the record could not be deserialized: " + exception.getClass().getSimpleName(), record.value(),
            new Source(record.topic(), record.partition(), record.offset()), System.currentTimeMillis())
        .build();
    // A record without a timestamp (-1) gets the producer's time rather than failing the send.
    Long timestamp = record.timestamp() >= 0 ? record.timestamp() : null;
    // Keyed by where it was read from: the raw key may be a user id, which must not travel on.
    byte[] key = OutputRecords.deadLetterKey(deadLetter).getBytes(StandardCharsets.UTF_8);
    return Response.resume(List.of(new ProducerRecord<>(topic, null, timestamp, key,
        deadLetter.toByteArray(), OutputRecords.deadLetterHeaders(deadLetter))));
  }
}
