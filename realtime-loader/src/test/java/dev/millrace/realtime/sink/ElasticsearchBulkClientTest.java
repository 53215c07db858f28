package dev.millrace.realtime.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.realtime.index.LoaderDocument;
import dev.millrace.realtime.index.Origin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The request body and the reading of the answer; RealtimeLoaderIT sends both to a real node. */
class ElasticsearchBulkClientTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static LoaderDocument doc(String index, String id, String source) {
    return new LoaderDocument(LoaderDocument.Kind.EVENT, index, id, source.getBytes(StandardCharsets.UTF_8),
        new Origin("t", 0, 0, 0, id), null, null, null);
  }

  @Test
  void theBodyIsAnIndexActionWithEscapedIndexAndIdThenTheSourceAsItIs() throws Exception {
    byte[] body = ElasticsearchBulkClient.body(List.of(
        doc("millrace-events-2026.11.21", "t-0-1", "{\"a\":1}"),
        doc("i", "quote\"and\\slash-é", "{\"b\":\"é\"}")));
    String[] lines = new String(body, StandardCharsets.UTF_8).split("\n", -1);
    assertThat(lines).hasSize(5);
    assertThat(JSON.readTree(lines[0]).path("index").path("_index").asString()).isEqualTo("millrace-events-2026.11.21");
    assertThat(JSON.readTree(lines[0]).path("index").path("_id").asString()).isEqualTo("t-0-1");
    assertThat(lines[1]).isEqualTo("{\"a\":1}");
    assertThat(JSON.readTree(lines[2]).path("index").path("_id").asString()).isEqualTo("quote\"and\\slash-é");
    assertThat(lines[3]).isEqualTo("{\"b\":\"é\"}");
    assertThat(lines[4]).as("the body ends with a newline").isEmpty();
  }

  @Test
  void eachItemGetsItsStatusAndTheErrorWithItsCauses() throws Exception {
    JsonNode answer = JSON.readTree("""
        {"items":[{"index":{"status":201}},
                  {"index":{"status":400,"error":{"type":"document_parsing_exception",
                     "reason":"failed to parse field [payload] of type [flattened]",
                     "caused_by":{"type":"illegal_argument_exception",
                       "reason":"The provided [flattened] field [payload] exceeds the maximum depth limit of [20]."}}}},
                  {"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}]}
        """);
    List<ItemResult> results = ElasticsearchBulkClient.results(answer, 3);
    assertThat(results).extracting(ItemResult::status).containsExactly(201, 400, 429);
    assertThat(results.get(0).error()).isEmpty();
    assertThat(results.get(1).error()).isEqualTo(
        "document_parsing_exception: failed to parse field [payload] of type [flattened]; caused by"
            + " illegal_argument_exception: The provided [flattened] field [payload] exceeds the maximum depth limit of [20].");
    assertThat(results.get(2).error()).isEqualTo("es_rejected_execution_exception: queue full");
  }

  @Test
  void anAnswerThatDoesNotCoverEveryDocumentFailsTheRequest() {
    assertThatThrownBy(() -> ElasticsearchBulkClient.results(JSON.readTree("{\"items\":[{\"index\":{\"status\":201}}]}"), 2))
        .isInstanceOf(IOException.class).hasMessageContaining("1 items for 2 documents");
    assertThatThrownBy(() -> ElasticsearchBulkClient.results(JSON.readTree("{}"), 1))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> ElasticsearchBulkClient.results(JSON.readTree("{\"items\":[{\"index\":{}}]}"), 1))
        .isInstanceOf(IOException.class).hasMessageContaining("without a status");
  }
}
