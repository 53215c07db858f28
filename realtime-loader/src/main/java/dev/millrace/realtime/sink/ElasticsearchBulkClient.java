package dev.millrace.realtime.sink;

import dev.millrace.realtime.index.LoaderDocument;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.RestClient;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends a bulk request through Elasticsearch's low-level REST client: the body is one NDJSON array
 * (action line, then the source bytes as they are), and the answer is filtered by Elasticsearch to
 * each item's status and error. The Java API client sent every action line and source as a
 * separate chunk of a chunked body, about 2,000 per request, each a round of the HTTP client's I/O
 * thread, which then took a third of a core beside Elasticsearch; and it parsed every item's full
 * answer (index, id, version, shards, sequence number) into objects.
 */
public final class ElasticsearchBulkClient implements BulkClient {

  /** Only what the loader reads: per item its status and, when it failed, its error. */
  static final String FILTER_PATH = "items.*.status,items.*.error";
  private static final ContentType NDJSON = ContentType.create("application/x-ndjson");
  private static final byte[] INDEX = "{\"index\":{\"_index\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ID = "\",\"_id\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\"}}\n".getBytes(StandardCharsets.US_ASCII);

  private final RestClient client;
  private final JsonMapper json;

  public ElasticsearchBulkClient(RestClient client, JsonMapper json) {
    this.client = client;
    this.json = json;
  }

  @Override
  public List<ItemResult> bulk(List<LoaderDocument> documents) throws IOException {
    Request request = new Request("POST", "/_bulk");
    request.addParameter("filter_path", FILTER_PATH);
    request.setEntity(new ByteArrayEntity(body(documents), NDJSON));
    // A status of 4xx/5xx for the whole request throws (ResponseException): the caller retries.
    Response response = client.performRequest(request);
    JsonNode answer;
    try (InputStream in = response.getEntity().getContent()) {
      answer = json.readTree(in);
    }
    return results(answer, documents.size());
  }

  /** The NDJSON body: an index action with the document's index and id, then its source. */
  static byte[] body(List<LoaderDocument> documents) {
    int size = 0;
    for (LoaderDocument doc : documents) {
      size += doc.sizeInBytes();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    JsonStringEncoder quote = JsonStringEncoder.getInstance();
    for (LoaderDocument doc : documents) {
      out.writeBytes(INDEX);
      out.writeBytes(quote.quoteAsUTF8(doc.index()));
      out.writeBytes(ID);
      out.writeBytes(quote.quoteAsUTF8(doc.id()));
      out.writeBytes(END);
      out.writeBytes(doc.source());
      out.write('\n');
    }
    return out.toByteArray();
  }

  /** One result per item, in request order; a short or malformed answer is an error of the request. */
  static List<ItemResult> results(JsonNode answer, int expected) throws IOException {
    JsonNode items = answer.path("items");
    if (!items.isArray() || items.size() != expected) {
      throw new IOException("bulk answered " + (items.isArray() ? items.size() : "no") + " items for "
          + expected + " documents");
    }
    List<ItemResult> results = new ArrayList<>(expected);
    for (JsonNode item : items) {
      // {"index": {"status": 201}} or {"index": {"status": 400, "error": {...}}}
      Iterator<Map.Entry<String, JsonNode>> fields = item.properties().iterator();
      JsonNode outcome = fields.hasNext() ? fields.next().getValue() : null;
      if (outcome == null || !outcome.path("status").isNumber()) {
        throw new IOException("bulk answered an item without a status");
      }
      int status = outcome.path("status").asInt();
      JsonNode error = outcome.get("error");
      results.add(error == null || error.isNull() ? ItemResult.ok(status) : new ItemResult(status, describe(error)));
    }
    return results;
  }

  /** The error and its causes: the root cause often says what is wrong (e.g. a depth limit). */
  static String describe(JsonNode error) {
    StringBuilder text = new StringBuilder();
    int depth = 0;
    for (JsonNode e = error; e != null && !e.isNull() && depth < 5; e = e.get("caused_by"), depth++) {
      if (depth > 0) {
        text.append("; caused by ");
      }
      text.append(e.path("type").asString("")).append(": ").append(e.path("reason").asString(""));
    }
    return text.toString();
  }
}
