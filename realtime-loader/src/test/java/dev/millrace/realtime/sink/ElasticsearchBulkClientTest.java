package dev.millrace.realtime.sink;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch._types.ErrorCause;
import org.junit.jupiter.api.Test;

class ElasticsearchBulkClientTest {

  @Test
  void aRefusalNamesItsRootCauseSoTheDeadLetterSaysWhatIsWrong() {
    ErrorCause error = ErrorCause.of(e -> e.type("document_parsing_exception")
        .reason("failed to parse field [payload] of type [flattened]")
        .causedBy(c -> c.type("illegal_argument_exception")
            .reason("The provided [flattened] field [payload] exceeds the maximum depth limit of [20].")));

    assertThat(ElasticsearchBulkClient.describe(error)).isEqualTo(
        "document_parsing_exception: failed to parse field [payload] of type [flattened]; caused by"
            + " illegal_argument_exception: The provided [flattened] field [payload] exceeds the maximum depth limit of [20].");
  }
}
