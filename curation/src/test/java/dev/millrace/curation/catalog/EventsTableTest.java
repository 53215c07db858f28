package dev.millrace.curation.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.proto.columns.EventColumn;
import dev.millrace.proto.columns.EventColumns;
import java.util.List;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The curated events table follows the flat event: a column given a curated name appears, personal data never. */
class EventsTableTest {

  private static final List<String> NAMES = EventsTable.COLUMNS.stream().map(EventsTable.Column::name).toList();

  @Test
  void everyFlatColumnWithACuratedNameIsATableColumnUnderItAndNoOtherIs() {
    for (EventColumn column : EventColumns.ALL) {
      if (column.curated() != null) {
        assertThat(EventsTable.COLUMNS).as(column.name())
            .anySatisfy(c -> {
              assertThat(c.name()).isEqualTo(column.curated());
              assertThat(c.source()).isEqualTo(column.name());
            });
      }
    }
    assertThat(EventsTable.COLUMNS).filteredOn(c -> !c.computed())
        .allSatisfy(c -> assertThat(EventColumns.named(c.source()).curated()).isEqualTo(c.name()));
    assertThat(NAMES).doesNotHaveDuplicates()
        .contains("referrer_url", "utm_source", "device_class", "payload_json", "kafka_offset")
        .doesNotContain("ip", "client_ip", "referrer", "campaign_source", "ua_device_class");
  }

  @Test
  void computedColumnsFollowWhatTheyAreComputedFrom() {
    assertThat(NAMES.get(0)).isEqualTo("ds");
    assertThat(NAMES.subList(NAMES.indexOf("page_url"), NAMES.indexOf("page_url") + 3))
        .containsExactly("page_url", "page_host", "page_path");
    assertThat(NAMES.get(NAMES.indexOf("enriched_at") + 1)).isEqualTo("late");
    assertThat(NAMES.get(NAMES.indexOf("anonymous_id") + 1)).isEqualTo("session_id");
  }

  @Test
  void theDdlIsTheColumnsTypedAndCommented() {
    StructType table = StructType.fromDDL(TableSchemas.EVENTS);
    assertThat(table.fieldNames()).containsExactlyElementsOf(NAMES);
    assertThat(table.apply("received_at").dataType().typeName()).isEqualTo("timestamp");
    assertThat(table.apply("kafka_offset").dataType().typeName()).isEqualTo("long");
    assertThat(table.apply("bot_score").dataType().typeName()).isEqualTo("double");
    assertThat(table.apply("utm_source").getComment().get()).isEqualTo(EventColumns.named("campaign_source").doc());
  }
}
