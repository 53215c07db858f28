package dev.millrace.bench.baseline;

import dev.millrace.bench.BenchContext;
import dev.millrace.bench.Baselines;
import dev.millrace.bench.Benchmark;
import dev.millrace.bench.Result;
import dev.millrace.localstack.ElasticsearchServer;
import dev.millrace.localstack.LocalStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Raw Elasticsearch: {@code _bulk} requests of 1,000 1 KB JSON documents (about 1 MB each, the
 * size Elastic recommends starting from), two in flight, straight over HTTP so that no client
 * library's overhead is in the ceiling the realtime loader is compared to.
 */
public final class ElasticsearchBulkBaseline implements Benchmark {

  static final int DOCS_PER_REQUEST = 1000;
  static final int IN_FLIGHT = 2;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Override
  public int order() {
    return 20;
  }

  @Override
  public String name() {
    return "elasticsearch";
  }

  @Override
  public List<Result> run(BenchContext context) throws Exception {
    ElasticsearchServer es = LocalStack.elasticsearch();
    String index = "bench-baseline-" + UUID.randomUUID();
    send(es, "PUT", "/" + index, "{\"settings\":{\"number_of_shards\":1,\"number_of_replicas\":0}}",
        "application/json");
    int requests = Math.max(1, context.scaled(100_000) / DOCS_PER_REQUEST);
    int warmup = Math.max(1, requests / 10);
    Payloads payloads = new Payloads(2);
    List<byte[]> bodies = new ArrayList<>();
    for (int r = 0; r < warmup + requests; r++) {
      bodies.add(bulkBody(payloads, (long) r * DOCS_PER_REQUEST).getBytes(StandardCharsets.UTF_8));
    }

    String bulkUrl = es.url() + "/" + index + "/_bulk";
    bulk(http, bulkUrl, bodies.subList(0, warmup));
    long bytes = bodies.subList(warmup, bodies.size()).stream().mapToLong(b -> b.length).sum();
    long began = System.nanoTime();
    bulk(http, bulkUrl, bodies.subList(warmup, bodies.size()));
    double seconds = (System.nanoTime() - began) / 1e9;

    send(es, "POST", "/" + index + "/_refresh", "", "application/json");
    long expected = (long) (warmup + requests) * DOCS_PER_REQUEST;
    String count = send(es, "GET", "/" + index + "/_count", "", "application/json");
    if (!count.contains("\"count\":" + expected + ",")) {
      throw new IllegalStateException("expected " + expected + " documents in " + index + ", got " + count);
    }
    send(es, "DELETE", "/" + index, "", "application/json");
    return List.of(Result.throughput(Baselines.ES_BULK, (long) requests * DOCS_PER_REQUEST, "docs",
            seconds, bytes)
        .withNote(DOCS_PER_REQUEST + " docs/request, " + IN_FLIGHT + " in flight, 1 shard; node up in "
            + KafkaBaseline.seconds(LocalStack.lastStartup("elasticsearch"))));
  }

  private static String bulkBody(Payloads payloads, long first) {
    StringBuilder body = new StringBuilder(DOCS_PER_REQUEST * (Payloads.RECORD_BYTES + 20));
    for (long n = first; n < first + DOCS_PER_REQUEST; n++) {
      body.append("{\"index\":{}}\n").append(payloads.document(n)).append('\n');
    }
    return body.toString();
  }

  /**
   * Sends NDJSON bulk bodies to {@code bulkUrl} with {@link #IN_FLIGHT} requests outstanding; fails
   * on any item error. Stages that compare to a raw bulk of their own documents use it too, so both
   * sides of a ratio send the same way.
   */
  public static void bulk(HttpClient http, String bulkUrl, List<byte[]> bodies) {
    List<CompletableFuture<Void>> window = new ArrayList<>();
    for (byte[] body : bodies) {
      if (window.size() == IN_FLIGHT) {
        window.remove(0).join();
      }
      HttpRequest request = HttpRequest.newBuilder(URI.create(bulkUrl))
          .timeout(Duration.ofMinutes(2))
          .header("Content-Type", "application/x-ndjson")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
      window.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenAccept(response -> {
        // "errors" is one of the first fields of the response; any failed item flips it to true.
        String head = response.body().substring(0, Math.min(100, response.body().length()));
        if (response.statusCode() != 200 || !head.contains("\"errors\":false")) {
          throw new IllegalStateException("_bulk answered " + response.statusCode() + ": "
              + response.body().substring(0, Math.min(500, response.body().length())));
        }
      }));
    }
    window.forEach(CompletableFuture::join);
  }

  private String send(ElasticsearchServer es, String method, String path, String body, String type)
      throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(es.url() + path))
        .timeout(Duration.ofMinutes(1)).header("Content-Type", type)
        .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body)).build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(method + " " + path + " answered " + response.statusCode()
          + ": " + response.body());
    }
    return response.body();
  }
}
