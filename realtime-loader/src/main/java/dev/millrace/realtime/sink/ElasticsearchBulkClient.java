package dev.millrace.realtime.sink;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ErrorCause;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.util.BinaryData;
import co.elastic.clients.util.ContentType;
import dev.millrace.realtime.index.LoaderDocument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends documents with the Elasticsearch Java client. Sources are already JSON bytes, passed as
 * {@link BinaryData} so the client copies them into the request instead of serialising again.
 */
public final class ElasticsearchBulkClient implements BulkClient {

  private final ElasticsearchClient client;

  public ElasticsearchBulkClient(ElasticsearchClient client) {
    this.client = client;
  }

  @Override
  public List<ItemResult> bulk(List<LoaderDocument> documents) throws IOException {
    List<BulkOperation> operations = new ArrayList<>(documents.size());
    for (LoaderDocument doc : documents) {
      BinaryData source = BinaryData.of(doc.source(), ContentType.APPLICATION_JSON);
      operations.add(BulkOperation.of(op -> op.index(i -> i.index(doc.index()).id(doc.id()).document(source))));
    }
    BulkResponse response = client.bulk(b -> b.operations(operations));
    List<ItemResult> results = new ArrayList<>(documents.size());
    for (BulkResponseItem item : response.items()) {
      ErrorCause error = item.error();
      results.add(error == null ? ItemResult.ok(item.status()) : new ItemResult(item.status(), describe(error)));
    }
    return results;
  }

  /** The error and its causes: the root cause often says what is wrong (e.g. a depth limit). */
  static String describe(ErrorCause error) {
    StringBuilder text = new StringBuilder();
    int depth = 0;
    for (ErrorCause e = error; e != null && depth < 5; e = e.causedBy(), depth++) {
      if (depth > 0) {
        text.append("; caused by ");
      }
      text.append(e.type()).append(": ").append(e.reason());
    }
    return text.toString();
  }
}
