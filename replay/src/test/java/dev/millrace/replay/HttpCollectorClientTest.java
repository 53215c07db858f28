package dev.millrace.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.millrace.proto.WireNames;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP edge against a stand-in server on loopback: what a collector receives, and retries. */
class HttpCollectorClientTest {

  private final HttpServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger unavailable = new AtomicInteger();

  HttpCollectorClientTest() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
          + exchange.getRequestHeaders().getFirst(WireNames.WRITE_KEY_HTTP_HEADER) + " "
          + exchange.getRequestHeaders().getFirst(WireNames.REPLAY_ID_HTTP_HEADER) + " "
          + exchange.getRequestHeaders().getFirst("Content-Type") + " "
          + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      boolean busy = unavailable.getAndDecrement() > 0;
      byte[] body = (busy ? "{\"title\":\"Service Unavailable\"}" : "{\"accepted\":1}").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(busy ? 503 : 200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private HttpCollectorClient client() {
    return new HttpCollectorClient("http://127.0.0.1:" + server.getAddress().getPort() + "/", "secret");
  }

  @Test
  void theOriginalIsPostedWithTheWriteKeyAndTheReplayId() throws Exception {
    CollectorClient.Answer answer = client().post("/v1/events", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), "r-1");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(seen).containsExactly("POST /v1/events secret r-1 application/json {\"a\":1}");
  }

  @Test
  void aBusyCollectorIsAskedAgainAndItsAnswerAfterThatCounts() throws Exception {
    unavailable.set(2);
    assertThat(client().post("/v1/events", new byte[0], "r-1").status()).isEqualTo(200);
    assertThat(seen).hasSize(3);

    unavailable.set(10);
    assertThat(client().post("/v1/events", new byte[0], "r-1").status()).as("bounded: the last 503 is final")
        .isEqualTo(503);
  }
}
