package dev.millrace.proto.columns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.columns.EventColumn.ColumnType;
import dev.millrace.proto.columns.EventColumn.Pii;
import dev.millrace.proto.v1.EnrichedEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The column list and the wire contract cannot drift: a new proto field without a column fails here. */
class EventColumnsTest {

  @Test
  void everyLeafFieldOfTheEnrichedEventHasAColumnAndEveryColumnAField() {
    List<String> leaves = new ArrayList<>();
    leaves(EnrichedEvent.getDescriptor(), "", leaves);
    List<String> columns = EventColumns.ALL.stream().filter(c -> !c.isLineage()).map(EventColumn::field).toList();
    assertThat(columns).as("fields of EnrichedEvent with a column").containsExactlyInAnyOrderElementsOf(leaves);
  }

  @Test
  void eachColumnIsTypedAsItsField() {
    for (EventColumn column : EventColumns.ALL) {
      if (column.isLineage()) {
        continue;
      }
      List<FieldDescriptor> path = column.descriptors();
      FieldDescriptor leaf = path.get(path.size() - 1);
      assertThat(column.type()).as(column.name()).isEqualTo(typeOf(leaf));
      if (column.required()) {
        // Only a string of the event itself is never null: proto3 reads it unset as empty.
        assertThat(column.field()).as(column.name()).matches("raw\\.event\\.[a-z_]+");
        assertThat(leaf.getJavaType()).as(column.name()).isEqualTo(FieldDescriptor.JavaType.STRING);
      }
    }
  }

  @Test
  void namesAreUniqueSnakeCaseAndTheLineageColumnsEndTheRow() {
    List<String> names = EventColumns.ALL.stream().map(EventColumn::name).toList();
    assertThat(names).doesNotHaveDuplicates().allMatch(n -> n.matches("[a-z][a-z0-9_]*"));
    assertThat(names.subList(names.size() - 3, names.size()))
        .containsExactly("kafka_topic", "kafka_partition", "kafka_offset");
    List<String> curated = EventColumns.ALL.stream().map(EventColumn::curated).filter(Objects::nonNull).toList();
    assertThat(curated).doesNotHaveDuplicates();
    assertThat(EventColumns.named("ua_os_name").field()).isEqualTo("enrichment.user_agent.os_name");
    assertThatThrownBy(() -> EventColumns.named("nope")).hasMessageContaining("nope");
  }

  @Test
  void personalDataNeverReachesTheCuratedTables() {
    Map<Pii, List<String>> byClass = EventColumns.ALL.stream().collect(
        Collectors.groupingBy(EventColumn::pii, Collectors.mapping(EventColumn::name, Collectors.toList())));
    assertThat(byClass.get(Pii.PERSONAL)).containsExactlyInAnyOrder("ip", "client_ip");
    assertThat(EventColumns.ALL).filteredOn(c -> c.pii() == Pii.PERSONAL).allMatch(c -> c.curated() == null);
    assertThatThrownBy(() -> new EventColumn("ip2", "raw.event.context.ip", ColumnType.STRING, false, Pii.PERSONAL,
        "ip2", "")).hasMessageContaining("personal");
  }

  @Test
  void aPathThatNamesNoFieldIsReported() {
    EventColumn wrong = new EventColumn("x", "raw.event.nope", ColumnType.STRING, false, Pii.NONE, null, "");
    assertThatThrownBy(wrong::descriptors).hasMessageContaining("raw.event.nope");
  }

  /** The leaf fields under {@code message}: scalars, enums, repeated strings and timestamps. */
  private static void leaves(Descriptor message, String prefix, List<String> out) {
    for (FieldDescriptor fd : message.getFields()) {
      String path = prefix + fd.getName();
      if (fd.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !fd.getMessageType().getFullName().equals(Timestamp.getDescriptor().getFullName())) {
        leaves(fd.getMessageType(), path + ".", out);
      } else {
        out.add(path);
      }
    }
  }

  private static ColumnType typeOf(FieldDescriptor fd) {
    if (fd.isRepeated()) {
      assertThat(fd.getJavaType()).as(fd.getFullName()).isEqualTo(FieldDescriptor.JavaType.STRING);
      return ColumnType.STRING_LIST;
    }
    return switch (fd.getJavaType()) {
      case STRING -> fd.getName().endsWith("_json") ? ColumnType.JSON : ColumnType.STRING;
      case ENUM -> ColumnType.ENUM_NAME;
      case MESSAGE -> ColumnType.TIMESTAMP;
      case INT -> ColumnType.INT32;
      case LONG -> ColumnType.INT64;
      case DOUBLE -> ColumnType.DOUBLE;
      case BOOLEAN -> ColumnType.BOOLEAN;
      default -> throw new AssertionError(fd.getFullName() + " has no column type");
    };
  }
}
