package dev.millrace.realtime.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.realtime.config.RealtimeProperties.TimeField;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.json.JsonMapper;

class IndexTemplatesTest {

  final Map<String, ObjectNode> bodies =
      new IndexTemplates(DocumentMapperTest.index(TimeField.RECEIVED_AT), JsonMapper.builder().build()).bodies();

  @Test
  void arbitraryPayloadKeysCannotGrowTheMapping() {
    ObjectNode events = bodies.get("millrace-events");

    assertThat(events.at("/template/mappings/dynamic").asString()).isEqualTo("false");
    assertThat(events.at("/template/mappings/properties/payload/type").asString()).isEqualTo("flattened");
    assertThat(events.at("/template/mappings/properties/payload/depth_limit").asInt()).isEqualTo(20);
    assertThat(events.at("/template/settings/index/mapping/total_fields/limit").asInt()).isEqualTo(1000);
  }

  @Test
  void bothIndexesRefreshAtTheConfiguredIntervalEvenWhenNobodySearches() {
    // An explicit interval: a shard never goes search-idle, so freshness does not depend on searches.
    for (ObjectNode body : bodies.values()) {
      assertThat(body.at("/template/settings/index/refresh_interval").asString()).isEqualTo("500ms");
    }
  }

  @Test
  void everyDailyIndexJoinsItsAlias() {
    assertThat(bodies.get("millrace-events").at("/index_patterns/0").asString()).isEqualTo("millrace-events-*");
    assertThat(bodies.get("millrace-events").at("/template/aliases").has("millrace-events")).isTrue();
    assertThat(bodies.get("millrace-dead-letters").at("/template/aliases").has("millrace-dead-letters")).isTrue();
  }

  @Test
  void deadLettersAreSearchableByStageReasonAndEventId() {
    ObjectNode props = (ObjectNode) bodies.get("millrace-dead-letters").at("/template/mappings/properties");

    assertThat(props.at("/stage/type").asString()).isEqualTo("keyword");
    assertThat(props.at("/reason/type").asString()).isEqualTo("keyword");
    assertThat(props.at("/event_id/type").asString()).isEqualTo("keyword");
    assertThat(props.at("/message/type").asString()).isEqualTo("text");
    assertThat(props.at("/source_offset/type").asString()).isEqualTo("long");
  }

  @Test
  void deadLettersMapTheCollectorsMetadataAndTheRecordsCoordinatesAsEventsDo() {
    ObjectNode events = (ObjectNode) bodies.get("millrace-events").at("/template/mappings/properties");
    ObjectNode deadLetters = (ObjectNode) bodies.get("millrace-dead-letters").at("/template/mappings/properties");

    assertThat(deadLetters.get("metadata")).isEqualTo(events.get("metadata"));
    assertThat(deadLetters.get("kafka")).isEqualTo(events.get("kafka"));
    assertThat(deadLetters.at("/metadata/properties/replay_id/type").asString()).isEqualTo("keyword");
    assertThat(deadLetters.at("/kafka/properties/offset/type").asString()).isEqualTo("long");
  }
}
