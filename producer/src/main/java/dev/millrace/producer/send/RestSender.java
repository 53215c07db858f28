package dev.millrace.producer.send;

import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.Event;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** {@code POST /v1/events} with a JSON array, optionally gzip-compressed. */
public final class RestSender implements EventSender {

  /** Whether request bodies are gzip-compressed ({@code Content-Encoding: gzip}). */
  public enum Compression { NONE, GZIP }

  private final HttpClient client;
  private final URI endpoint;
  private final String writeKey;
  private final Compression compression;
  private final Duration timeout;

  public RestSender(URI baseUrl, String writeKey, Compression compression, Duration timeout) {
    this.endpoint = endpoint(baseUrl);
    this.writeKey = writeKey;
    this.compression = compression;
    this.timeout = timeout;
    this.client = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  /** {@code http://host:8080} and {@code http://host:8080/v1/events} both mean the events endpoint. */
  static URI endpoint(URI baseUrl) {
    String text = baseUrl.toString();
    if (text.endsWith("/v1/events")) {
      return baseUrl;
    }
    return URI.create(text.replaceAll("/+$", "") + "/v1/events");
  }

  @Override
  public String transport() {
    return "rest";
  }

  @Override
  public String target() {
    return endpoint.toString();
  }

  @Override
  public BatchResult send(List<Event> events) throws SendException {
    byte[] body = RestJson.encode(events);
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header(WireNames.WRITE_KEY_HTTP_HEADER, writeKey);
    if (compression == Compression.GZIP) {
      body = gzip(body);
      request.header("Content-Encoding", "gzip");
    }
    HttpResponse<byte[]> response;
    try {
      response = client.send(request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      throw new SendException("timeout", "no answer from " + endpoint + " within " + timeout, e);
    } catch (ConnectException e) {
      throw new SendException("connect", "cannot connect to " + endpoint, e);
    } catch (IOException e) {
      throw new SendException("io", "request to " + endpoint + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SendException("interrupted", "interrupted");
    }
    if (response.statusCode() / 100 != 2) {
      String detail = new String(response.body(), StandardCharsets.UTF_8);
      throw new SendException("http " + response.statusCode(),
          endpoint + " answered " + response.statusCode() + ": " + abbreviate(detail));
    }
    try {
      return RestJson.decode(response.body());
    } catch (RuntimeException e) {
      throw new SendException("bad response", endpoint + " answered a body that is not a BatchResult", e);
    }
  }

  private static byte[] gzip(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static String abbreviate(String text) {
    String oneLine = text.replaceAll("\\s+", " ").trim();
    return oneLine.length() > 300 ? oneLine.substring(0, 300) + "…" : oneLine;
  }

  @Override
  public void close() {
    // HttpClient has no close() before Java 21; its threads are daemons and end with the JVM.
  }
}
