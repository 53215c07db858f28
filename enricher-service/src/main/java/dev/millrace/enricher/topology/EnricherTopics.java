package dev.millrace.enricher.topology;

import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The enricher's topics. Raw values are read as bytes, not as RawEvent: a record that does not
 * decode must reach the dead-letter topic with its exact bytes, which a failing deserializer
 * would not give the topology.
 */
public record EnricherTopics(Topic<String, byte[]> raw, Topic<String, EnrichedEvent> enriched,
                             Topic<String, DeadLetter> deadLetters) {

  public static EnricherTopics of(String raw, String enriched, String deadLetters) {
    return new EnricherTopics(
        new Topic<>(raw, Serdes.String(), Serdes.ByteArray()),
        new Topic<>(enriched, Serdes.String(), new ProtobufSerde<>(EnrichedEvent.parser())),
        new Topic<>(deadLetters, Serdes.String(), new ProtobufSerde<>(DeadLetter.parser())));
  }
}
