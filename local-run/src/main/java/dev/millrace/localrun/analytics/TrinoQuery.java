package dev.millrace.localrun.analytics;

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

/**
 * A query over Trino's client REST protocol ({@code POST /v1/statement}, then follow
 * {@code nextUri}): a handful of small queries for the progress display do not justify the JDBC
 * driver on the launcher's class path.
 */
public final class TrinoQuery {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final String url;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** @param url e.g. {@code http://127.0.0.1:41236} */
  public TrinoQuery(String url) {
    this.url = url;
  }

  /** The rows of {@code sql}, each a list of JSON values; throws with Trino's message on a failed query. */
  public List<List<JsonNode>> rows(String sql, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/v1/statement")).timeout(Duration.ofSeconds(10))
        .header("X-Trino-User", "millrace-local-run").POST(HttpRequest.BodyPublishers.ofString(sql)).build();
    List<List<JsonNode>> rows = new ArrayList<>();
    while (true) {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("Trino answered " + response.statusCode() + ": " + response.body());
      }
      JsonNode body = JSON.readTree(response.body());
      if (body.has("error")) {
        throw new IOException(body.get("error").path("message").asString());
      }
      for (JsonNode row : body.path("data")) {
        List<JsonNode> values = new ArrayList<>();
        row.forEach(values::add);
        rows.add(values);
      }
      JsonNode next = body.get("nextUri");
      if (next == null || next.isNull()) {
        return rows;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("Trino query still running after " + timeout.toSeconds() + " s: " + sql);
      }
      request = HttpRequest.newBuilder(URI.create(next.asString())).timeout(Duration.ofSeconds(10))
          .header("X-Trino-User", "millrace-local-run").GET().build();
    }
  }
}
