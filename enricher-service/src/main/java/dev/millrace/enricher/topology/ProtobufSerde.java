package dev.millrace.enricher.topology;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Protobuf binary values, as on every Millrace topic. */
public final class ProtobufSerde<T extends MessageLite> implements Serde<T> {

  private final Parser<T> parser;

  public ProtobufSerde(Parser<T> parser) {
    this.parser = parser;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> value == null ? null : value.toByteArray();
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return parser.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        throw new SerializationException("not a protobuf message of the expected type", e);
      }
    };
  }
}
