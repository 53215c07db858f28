package dev.millrace.realtime.index;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.columns.EventColumn;
import dev.millrace.proto.columns.EventColumns;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.realtime.config.RealtimeProperties.TimeField;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A new column reaches the index by itself: an event with every field set becomes a document with
 * one field per column, each of them mapped, and no mapped field is never written.
 */
class EventDocumentTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void anEventWithEveryFieldSetHasOneDocumentFieldPerColumnAndTheMappingTheSameFields() throws Exception {
    EnrichedEvent full = (EnrichedEvent) everyFieldSet(EnrichedEvent.newBuilder()).build();
    DocumentMapper mapper = new DocumentMapper(DocumentMapperTest.index(TimeField.RECEIVED_AT), JSON);
    JsonNode doc = DocumentMapperTest.json(mapper.event(full, DocumentMapperTest.origin("e"), full.toByteArray()));

    List<String> written = new ArrayList<>();
    leaves(doc, "", written, true);
    List<String> mapped = new ArrayList<>();
    leaves(JSON.valueToTree(EventDocument.mappings()).get("properties"), "", mapped, false);

    assertThat(written).hasSize(EventColumns.ALL.size()).containsExactlyInAnyOrderElementsOf(mapped);
    assertThat(written).contains("payload", "metadata.replay_id", "enrichment.applied", "kafka.offset",
        "enrichment.user_agent.os_name", "context.user_agent");
  }

  @Test
  void theGeneratedAccessorsReadWhatProtobufsReflectionReads() {
    EnrichedEvent full = (EnrichedEvent) everyFieldSet(EnrichedEvent.newBuilder()).build();
    List<String> checked = new ArrayList<>();
    compare(EventDocument.ROOT, full, checked);
    assertThat(checked).hasSize((int) EventColumns.ALL.stream().filter(c -> !c.isLineage()).count());
    assertThat(EventDocument.Accessors.camel("os_name")).isEqualTo("OsName");
    assertThat(EventDocument.Accessors.camel("ipv4_octets_kept")).isEqualTo("Ipv4OctetsKept");
  }

  private static void compare(EventDocument.Node node, Message message, List<String> checked) {
    for (EventDocument.Child child : node.children()) {
      Object reflected = message.getField(child.field());
      Object generated = child.get().apply(message);
      if (child.node() != null) {
        assertThat(child.present(message)).isEqualTo(message.hasField(child.field()));
        assertThat(generated).isEqualTo(reflected);
        compare(child.node(), (Message) generated, checked);
        continue;
      }
      if (reflected instanceof com.google.protobuf.Descriptors.EnumValueDescriptor value) {
        assertThat(((Enum<?>) generated).name()).as(child.field().getFullName()).isEqualTo(value.getName());
      } else {
        assertThat(generated).as(child.field().getFullName()).isEqualTo(reflected);
      }
      checked.add(child.field().getFullName());
    }
  }

  @Test
  void anEnumNumberTheCodeDoesNotKnowIsWrittenUnrecognized() throws Exception {
    EnrichedEvent event = EnrichedEvent.newBuilder().setRaw(RawEvent.newBuilder()
        .setMetadata(CollectorMetadata.newBuilder().setTransportValue(99))).build();
    DocumentMapper mapper = new DocumentMapper(DocumentMapperTest.index(TimeField.RECEIVED_AT), JSON);
    JsonNode doc = DocumentMapperTest.json(mapper.event(event, DocumentMapperTest.origin("e"), event.toByteArray()));
    assertThat(doc.at("/metadata/transport").asString()).isEqualTo("UNRECOGNIZED");
    assertThat(doc.at("/metadata/batch_index").asInt()).as("a present message's zero").isZero();
    assertThat(doc.has("enrichment")).as("an absent message").isFalse();
  }

  @Test
  void everyTunedColumnIsAColumnAndLongTextIsNotIndexedPastALength() {
    List<String> names = EventColumns.ALL.stream().map(EventColumn::name).toList();
    assertThat(EventDocument.tunedColumns()).allSatisfy(c -> assertThat(names).contains(c));
    JsonNode properties = JSON.valueToTree(EventDocument.mappings()).get("properties");
    assertThat(properties.at("/context/properties/page_url/ignore_above").asInt()).isEqualTo(2048);
    assertThat(properties.at("/enrichment/properties/anonymized_ip/type").asString()).isEqualTo("ip");
  }

  /** Sets every field under {@code builder} to a value that is not its default. */
  static Message.Builder everyFieldSet(Message.Builder builder) {
    for (FieldDescriptor fd : builder.getDescriptorForType().getFields()) {
      if (fd.isRepeated()) {
        builder.addRepeatedField(fd, "x-" + fd.getName());
        continue;
      }
      Object value = switch (fd.getJavaType()) {
        case STRING -> fd.getName().endsWith("_json") ? "{\"k\":1}" : "x-" + fd.getName();
        case INT -> 7;
        case LONG -> 7L;
        case DOUBLE -> 0.5;
        case BOOLEAN -> true;
        case ENUM -> fd.getEnumType().getValues().get(1);
        case MESSAGE -> fd.getMessageType().getFullName().equals(Timestamp.getDescriptor().getFullName())
            ? Timestamp.newBuilder().setSeconds(1_700_000_000).build()
            : everyFieldSet(builder.newBuilderForField(fd)).build();
        default -> throw new AssertionError(fd.getFullName());
      };
      builder.setField(fd, value);
    }
    return builder;
  }

  /** Leaf paths of a document (or, {@code document} false, of a mapping's properties). */
  private static void leaves(JsonNode node, String prefix, List<String> out, boolean document) {
    for (Map.Entry<String, JsonNode> e : new TreeSet<>(node.propertyNames()).stream()
        .map(n -> Map.entry(n, node.get(n))).toList()) {
      String path = prefix + e.getKey();
      JsonNode value = e.getValue();
      if (document && value.isObject() && !path.equals("payload")) {
        leaves(value, path + ".", out, true);
      } else if (!document && value.has("properties")) {
        leaves(value.get("properties"), path + ".", out, false);
      } else {
        out.add(path);
      }
    }
  }
}
