package dev.millrace.localstack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * Passes every request through to local-stack's Elasticsearch, except {@code GET /}, which that
 * build (the integ-test zip from Maven Central) answers with 405 and a full distribution answers
 * with its name and version. The Elasticsearch client inside Trino's connector asks {@code GET /}
 * once before its first search (its product check) and fails every query that scans documents
 * without it; {@code count(*)} alone never gets there. The answer carries the node's real
 * version, read from {@code _nodes}. Nothing else is changed: the data, mappings, aliases and
 * searches are the real server's. Used where Trino reads local-stack's Elasticsearch: the analytics
 * tests and {@code ./millrace up}'s {@code realtime} catalog. A full Elasticsearch needs none.
 */
public final class ElasticsearchRootShim implements AutoCloseable {

  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String target;
  private final byte[] root;

  /** Listens on a free loopback port at once, in daemon threads, until {@link #close()}. */
  public ElasticsearchRootShim(String elasticsearchUrl) {
    this.target = elasticsearchUrl;
    try {
      String node = send("GET", "/_nodes/_local?filter_path=nodes.*.version,nodes.*.build_hash,nodes.*.build_type", null)
          .body();
      // Every field the client's parser requires; the version and build are the node's own.
      this.root = ("{\"name\":\"local-stack\",\"cluster_name\":\"elasticsearch\",\"cluster_uuid\":\"_na_\","
          + "\"version\":{\"number\":\"" + field(node, "version") + "\",\"build_flavor\":\"default\","
          + "\"build_type\":\"" + field(node, "build_type") + "\",\"build_hash\":\"" + field(node, "build_hash") + "\","
          + "\"build_date\":\"1970-01-01T00:00:00.000Z\",\"build_snapshot\":false,\"lucene_version\":\"unknown\","
          + "\"minimum_wire_compatibility_version\":\"7.17.0\",\"minimum_index_compatibility_version\":\"7.0.0\"},"
          + "\"tagline\":\"You Know, for Search\"}").getBytes(StandardCharsets.UTF_8);
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    server.setExecutor(Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "elasticsearch-root-shim");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::handle);
    server.start();
  }

  private static String field(String json, String name) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return m.group(1);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      String query = exchange.getRequestURI().getRawQuery();
      exchange.getResponseHeaders().add("X-Elastic-Product", "Elasticsearch");
      if ("/".equals(path) && ("GET".equals(method) || "HEAD".equals(method))) {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        reply(exchange, method, 200, root);
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      HttpResponse<byte[]> r = send(method, path + (query == null ? "" : "?" + query), body.length == 0 ? null : body,
          exchange.getRequestHeaders().getFirst("Content-Type"));
      r.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().add("Content-Type", v));
      reply(exchange, method, r.statusCode(), r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void reply(HttpExchange exchange, String method, int status, byte[] body) throws IOException {
    boolean empty = "HEAD".equals(method) || body.length == 0;
    exchange.sendResponseHeaders(status, empty ? -1 : body.length);
    if (!empty) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private HttpResponse<String> send(String method, String pathAndQuery, String body)
      throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(target + pathAndQuery))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<byte[]> send(String method, String pathAndQuery, byte[] body, String contentType)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + pathAndQuery)).timeout(Duration.ofMinutes(2))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Override
  public void close() {
    server.stop(0);
  }

}
