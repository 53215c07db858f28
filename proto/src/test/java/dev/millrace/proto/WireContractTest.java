package dev.millrace.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.millrace.proto.v1.*;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class WireContractTest {

  static final List<FileDescriptor> FILES = List.of(
      EventProto.getDescriptor(), EnrichmentProto.getDescriptor(),
      DeadLetterProto.getDescriptor(), ServicesProto.getDescriptor(), ReplayProto.getDescriptor());

  static Stream<Message> samples() {
    return Samples.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void everyMessageSurvivesTheBinaryRoundTrip(Message sample) throws InvalidProtocolBufferException {
    Message decoded = sample.getParserForType().parseFrom(sample.toByteArray());
    assertThat(decoded).isEqualTo(sample);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void everyMessageSurvivesTheJsonRoundTrip(Message sample) throws InvalidProtocolBufferException {
    String json = JsonFormat.printer().preservingProtoFieldNames().print(sample);
    Message.Builder builder = sample.newBuilderForType();
    JsonFormat.parser().merge(json, builder);
    assertThat(builder.build()).isEqualTo(sample);
  }

  static Stream<Message> completeSamples() {
    return Samples.complete().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("completeSamples")
  void samplesSetEveryField(Message sample) {
    // A sample that leaves a field unset would let that field's round trip go untested.
    Descriptor type = sample.getDescriptorForType();
    for (FieldDescriptor field : type.getFields()) {
      if (field.getRealContainingOneof() != null) {
        continue; // one member of a oneof per sample; both members have samples.
      }
      boolean set = field.isRepeated() ? sample.getRepeatedFieldCount(field) > 0 : sample.hasField(field);
      assertThat(set).as("%s.%s is set in its sample", type.getName(), field.getName()).isTrue();
    }
  }

  @Test
  void everyMessageTypeHasASample() {
    Set<String> sampled = new HashSet<>();
    Samples.all().forEach(m -> sampled.add(m.getDescriptorForType().getFullName()));
    List<String> declared = FILES.stream()
        .flatMap(f -> f.getMessageTypes().stream())
        .map(Descriptor::getFullName)
        .toList();
    assertThat(sampled).containsAll(declared);
  }

  @Test
  void everyEnumValueRoundTripsByName() throws InvalidProtocolBufferException {
    // Dashboards and the REST API use the names; renaming one is a breaking change.
    for (ReasonCode reason : ReasonCode.values()) {
      if (reason == ReasonCode.UNRECOGNIZED) continue;
      DeadLetter letter = DeadLetter.newBuilder().setReason(reason).build();
      String json = JsonFormat.printer().print(letter);
      if (reason != ReasonCode.REASON_CODE_UNSPECIFIED) {
        assertThat(json).contains("\"" + reason.name() + "\"");
      }
      DeadLetter.Builder back = DeadLetter.newBuilder();
      JsonFormat.parser().merge(json, back);
      assertThat(back.getReason()).isEqualTo(reason);
    }
  }

  @Test
  void jsonUsesSnakeCaseNamesRfc3339TimesAndEnumNames() throws InvalidProtocolBufferException {
    String json = JsonFormat.printer().preservingProtoFieldNames().print(Samples.raw());
    assertThat(json)
        .contains("\"event_id\": \"6f1c2b0e-7c43-4a47-9c1e-6b1f0f5d2a10\"")
        .contains("\"occurred_at\": \"2026-09-21T14:13:20.123Z\"")
        .contains("\"transport\": \"TRANSPORT_REST\"");
    // The parser takes both spellings, so clients may send lowerCamelCase too.
    RawEvent.Builder camel = RawEvent.newBuilder();
    JsonFormat.parser().merge(JsonFormat.printer().print(Samples.raw()), camel);
    assertThat(camel.build()).isEqualTo(Samples.raw());
  }

  @Test
  void payloadTextIsKeptExactly() throws InvalidProtocolBufferException {
    Event event = Samples.event();
    Event back = Event.parseFrom(event.toByteArray());
    assertThat(back.getPayloadJson()).isEqualTo(event.getPayloadJson()).contains("12345678901234567890.01", "thé ☕");
  }

  @Test
  void unknownFieldsFromANewerWriterAreKept() throws InvalidProtocolBufferException {
    // A newer producer may add fields; an older consumer must pass them on, not drop them.
    byte[] newer = Samples.event().toBuilder()
        .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
            .addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(7).build())
            .build())
        .build().toByteArray();
    Event older = Event.parseFrom(newer);
    assertThat(older.toByteArray()).isEqualTo(newer);
  }

  @Test
  void servicesDeclareTheContractedMethods() {
    assertThat(CollectorServiceGrpc.getServiceDescriptor().getMethods())
        .extracting(m -> m.getFullMethodName())
        .containsExactlyInAnyOrder("millrace.v1.CollectorService/SendBatch", "millrace.v1.CollectorService/SendStream");
    assertThat(CollectorServiceGrpc.getSendStreamMethod().getType())
        .isEqualTo(io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING);
    assertThat(EnrichmentServiceGrpc.getEnrichMethod().getFullMethodName()).isEqualTo("millrace.v1.EnrichmentService/Enrich");
  }
}
