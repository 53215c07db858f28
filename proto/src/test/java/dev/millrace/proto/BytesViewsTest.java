package dev.millrace.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.views.BytesViewsProto;
import dev.millrace.proto.views.EnrichResultBytes;
import dev.millrace.proto.views.RawEventBytes;
import dev.millrace.proto.views.EnrichItemBytes;
import dev.millrace.proto.views.Utf8Check;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BytesViewsTest {

  private static final Map<String, Descriptor> V1 = WireContractTest.FILES.stream()
      .flatMap(f -> f.getMessageTypes().stream())
      .collect(Collectors.toMap(Descriptor::getName, Function.identity()));

  static Stream<Descriptor> views() {
    return BytesViewsProto.getDescriptor().getMessageTypes().stream();
  }

  /** The millrace.v1 message a view is named after. */
  private static Descriptor messageOf(Descriptor view) {
    assertThat(view.getName()).endsWith("Bytes");
    Descriptor message = V1.get(view.getName().substring(0, view.getName().length() - "Bytes".length()));
    assertThat(message).as("the millrace.v1 message of %s", view.getName()).isNotNull();
    return message;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("views")
  void aViewHasItsMessagesFieldsWithStringsAsBytes(Descriptor view) {
    Descriptor message = messageOf(view);
    assertThat(view.getFields()).hasSameSizeAs(message.getFields());
    for (FieldDescriptor m : message.getFields()) {
      FieldDescriptor v = view.findFieldByNumber(m.getNumber());
      String where = view.getName() + " field " + m.getNumber();
      assertThat(v).as(where).isNotNull();
      assertThat(v.getName()).as(where).isEqualTo(m.getName());
      assertThat(v.isRepeated()).as(where).isEqualTo(m.isRepeated());
      assertThat(v.getRealContainingOneof() == null ? null : v.getRealContainingOneof().getName()).as(where)
          .isEqualTo(m.getRealContainingOneof() == null ? null : m.getRealContainingOneof().getName());
      switch (m.getType()) {
        case STRING -> assertThat(v.getType()).as(where).isEqualTo(FieldDescriptor.Type.BYTES);
        case MESSAGE -> {
          assertThat(v.getType()).as(where).isEqualTo(FieldDescriptor.Type.MESSAGE);
          String expected = m.getMessageType().getFile().getPackage().equals("millrace.v1")
              ? m.getMessageType().getName() + "Bytes"
              : m.getMessageType().getFullName();
          String actual = v.getMessageType().getFile().getPackage().equals("millrace.views.v1")
              ? v.getMessageType().getName()
              : v.getMessageType().getFullName();
          assertThat(actual).as(where).isEqualTo(expected);
        }
        case ENUM -> assertThat(v.getEnumType()).as(where).isEqualTo(m.getEnumType());
        default -> assertThat(v.getType()).as(where).isEqualTo(m.getType());
      }
    }
  }

  @Test
  void theMessagesAnEventPassesThroughHaveViews() {
    assertThat(views().map(d -> messageOf(d).getName())).contains(
        "RawEvent", "Event", "Context", "CollectorMetadata", "EnrichedEvent", "Enrichment",
        "EnrichRequest", "EnrichItem", "EnrichResponse", "EnrichResult", "EnrichError");
  }

  static Stream<Message> viewedSamples() {
    return Samples.all().stream().filter(m -> views().anyMatch(v -> messageOf(v).equals(m.getDescriptorForType())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("viewedSamples")
  void aViewReadsAndWritesTheSameBytes(Message sample) throws Exception {
    Descriptor view = views().filter(v -> messageOf(v).equals(sample.getDescriptorForType())).findFirst().orElseThrow();
    Parser<?> parser = parserOf(view);
    Message read = (Message) parser.parseFrom(sample.toByteArray());
    assertThat(read.toByteArray()).isEqualTo(sample.toByteArray());
    assertThat(sample.getParserForType().parseFrom(read.toByteArray())).isEqualTo(sample);
  }

  private static Parser<?> parserOf(Descriptor view) throws ReflectiveOperationException {
    Class<?> type = Class.forName("dev.millrace.proto.views." + view.getName());
    return (Parser<?>) type.getMethod("parser").invoke(null);
  }

  @Test
  void theRawEventCheckPassesWhatTheMessageParses() {
    agreesOnCorruptions(Samples.raw().toByteArray(), RawEvent.parser(), RawEventBytes.parser(), Utf8Check::isValid);
  }

  @Test
  void theItemCheckPassesWhatTheMessageParses() {
    agreesOnCorruptions(Samples.enrichItem().toByteArray(), EnrichItem.parser(), EnrichItemBytes.parser(),
        Utf8Check::isValid);
  }

  @Test
  void theResultCheckPassesWhatTheMessageParses() {
    agreesOnCorruptions(Samples.enrichOk().toByteArray(), EnrichResult.parser(), EnrichResultBytes.parser(),
        Utf8Check::isValid);
    agreesOnCorruptions(Samples.enrichFailed().toByteArray(), EnrichResult.parser(), EnrichResultBytes.parser(),
        Utf8Check::isValid);
  }

  /**
   * Puts bytes that are not UTF-8 (a lone continuation byte, a truncated sequence, an overlong
   * form) at random places: a view with a passing check must hold what the message parser accepts,
   * and a failing check must mean the parser refuses.
   */
  private static <V extends Message> void agreesOnCorruptions(byte[] valid, Parser<? extends Message> messages,
                                                              Parser<V> views, Predicate<V> check) {
    byte[][] bad = {{(byte) 0x80}, {(byte) 0xC3}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}};
    Random random = new Random(7);
    int refused = 0;
    for (int i = 0; i < 3_000; i++) {
      byte[] bytes = valid.clone();
      byte[] b = bad[random.nextInt(bad.length)];
      int at = random.nextInt(bytes.length - b.length);
      System.arraycopy(b, 0, bytes, at, b.length);
      boolean parses;
      try {
        messages.parseFrom(bytes);
        parses = true;
      } catch (InvalidProtocolBufferException e) {
        parses = false;
      }
      V view;
      try {
        view = views.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        view = null;
      }
      boolean passes = view != null && check.test(view);
      assertThat(passes).as("corruption %d at %d", i, at).isEqualTo(parses);
      refused += parses ? 0 : 1;
    }
    // Most corruptions land in a string: the check is what refuses them.
    assertThat(refused).isGreaterThan(1_000);
  }
}
