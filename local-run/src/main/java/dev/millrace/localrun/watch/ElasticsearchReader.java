package dev.millrace.localrun.watch;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads documents back from Elasticsearch over its REST API, as a user with curl would. */
public final class ElasticsearchReader {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final String url;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public ElasticsearchReader(String url) {
    this.url = url;
  }

  /** Every document of the indexes matching {@code pattern}, with the given source fields, via search_after. */
  public List<JsonNode> all(String pattern, String... fields) throws IOException, InterruptedException {
    post("/" + pattern + "/_refresh?allow_no_indices=true", "");
    List<JsonNode> docs = new ArrayList<>();
    JsonNode after = null;
    while (true) {
      var body = JSON.createObjectNode();
      body.put("size", 5000);
      body.putArray("sort").add("_doc");
      var source = body.putArray("_source");
      for (String f : fields) source.add(f);
      if (after != null) body.set("search_after", after);
      JsonNode hits = post("/" + pattern + "/_search?allow_no_indices=true&ignore_unavailable=true",
          JSON.writeValueAsString(body)).get("hits").get("hits");
      if (hits.isEmpty()) return docs;
      for (JsonNode hit : hits) docs.add(hit);
      after = hits.get(hits.size() - 1).get("sort");
    }
  }

  /** Ids (the {@code _id}) of the documents searchable now; cheap enough to poll a few thousand. */
  public List<String> ids(String pattern) throws IOException, InterruptedException {
    List<String> ids = new ArrayList<>();
    JsonNode after = null;
    while (true) {
      var body = JSON.createObjectNode();
      body.put("size", 5000);
      body.put("_source", false);
      body.putArray("sort").add("_doc");
      if (after != null) body.set("search_after", after);
      JsonNode hits = post("/" + pattern + "/_search?allow_no_indices=true&ignore_unavailable=true",
          JSON.writeValueAsString(body)).get("hits").get("hits");
      if (hits.isEmpty()) return ids;
      for (JsonNode hit : hits) ids.add(hit.get("_id").asString());
      after = hits.get(hits.size() - 1).get("sort");
    }
  }

  /** How many documents of the indexes matching {@code pattern} have {@code field} (a keyword) equal to {@code value}. */
  public long count(String pattern, String field, String value) throws IOException, InterruptedException {
    var body = JSON.createObjectNode();
    body.putObject("query").putObject("term").put(field, value);
    return post("/" + pattern + "/_count?allow_no_indices=true&ignore_unavailable=true",
        JSON.writeValueAsString(body)).get("count").asLong();
  }

  /**
   * How many documents of the indexes matching {@code pattern} have {@code field} (a keyword) equal
   * to one of {@code values}.
   */
  public long countAny(String pattern, String field, java.util.Collection<String> values)
      throws IOException, InterruptedException {
    var body = JSON.createObjectNode();
    var terms = body.putObject("query").putObject("terms").putArray(field);
    values.forEach(terms::add);
    return post("/" + pattern + "/_count?allow_no_indices=true&ignore_unavailable=true",
        JSON.writeValueAsString(body)).get("count").asLong();
  }

  private JsonNode post(String path, String body) throws IOException, InterruptedException {
    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() / 100 != 2) {
      throw new IOException(path + " answered " + response.statusCode() + ": " + new String(response.body()));
    }
    return JSON.readTree(response.body());
  }
}
