package dev.millrace.replay;

import dev.millrace.proto.WireNames;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Posts to a collector. A 503 (the collector's "retry later": budget, in-flight cap, broker down)
 * or a connection failure is retried with bounded exponential backoff; any other answer is final.
 */
public final class HttpCollectorClient implements CollectorClient {

  private static final int ATTEMPTS = 5;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;
  private final String writeKey;

  public HttpCollectorClient(String baseUrl, String writeKey) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.writeKey = writeKey;
  }

  @Override
  public Answer post(String path, byte[] body, String replayId) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .header(WireNames.WRITE_KEY_HTTP_HEADER, writeKey)
        .header(WireNames.REPLAY_ID_HTTP_HEADER, replayId)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    long backoffMillis = 200;
    for (int attempt = 1; ; attempt++) {
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 503 || attempt == ATTEMPTS) {
          return new Answer(response.statusCode(), response.body());
        }
      } catch (IOException e) {
        if (attempt == ATTEMPTS) {
          throw e;
        }
      }
      // jittered, so that many replays against one collector do not retry in step
      Thread.sleep(backoffMillis / 2 + (long) (Math.random() * backoffMillis / 2));
      backoffMillis = Math.min(backoffMillis * 2, 5_000);
    }
  }
}
