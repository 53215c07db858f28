package dev.millrace.localstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one statement through Trino's client protocol ({@code POST /v1/statement}, then follow
 * {@code nextUri} until there is none), so local-stack needs no JDBC driver for the few statements
 * it runs itself. Only the fields it needs are read from the JSON: {@code nextUri} and the error.
 */
final class TrinoStatements {

  static final String USER = "millrace";

  private static final Pattern NEXT_URI = Pattern.compile("\"nextUri\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern ERROR_NAME = Pattern.compile("\"errorName\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern ERROR_MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** A statement Trino answered with an error. */
  static final class Failed extends LocalStackException {
    final String errorName;

    Failed(String errorName, String message) {
      super(message, null);
      this.errorName = errorName;
    }
  }

  private final String url;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  TrinoStatements(String url) {
    this.url = url;
  }

  /** Runs {@code sql} to completion; throws {@link Failed} with Trino's error name and message. */
  void execute(String sql) {
    try {
      String body = send(HttpRequest.newBuilder(URI.create(url + "/v1/statement"))
          .header("X-Trino-User", USER)
          .POST(HttpRequest.BodyPublishers.ofString(sql)));
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (true) {
        Matcher error = ERROR_NAME.matcher(body);
        if (error.find()) {
          Matcher message = ERROR_MESSAGE.matcher(body);
          throw new Failed(error.group(1), "Trino at " + url + " refused [" + sql + "]: "
              + (message.find() ? message.group(1) : body));
        }
        Matcher next = NEXT_URI.matcher(body);
        if (!next.find()) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new LocalStackException("Trino at " + url + " did not finish [" + sql + "] in 2 minutes", null);
        }
        body = send(HttpRequest.newBuilder(URI.create(next.group(1))).header("X-Trino-User", USER).GET());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalStackException("interrupted while running [" + sql + "] on Trino", e);
    } catch (IOException e) {
      throw new LocalStackException("could not run [" + sql + "] on Trino at " + url, e);
    }
  }

  private String send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new LocalStackException("Trino at " + url + " answered " + response.statusCode() + ": "
          + response.body(), null);
    }
    return response.body();
  }

  /** A single-quoted SQL string literal. */
  static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  /** A double-quoted SQL identifier (catalog property names contain dots and dashes). */
  static String identifier(String value) {
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }
}
