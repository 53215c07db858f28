package dev.millrace.bench.enricher;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.millrace.enricher.enrich.EnrichmentClient;
import dev.millrace.proto.views.ContextBytes;
import dev.millrace.proto.views.EnrichItemBytes;
import dev.millrace.proto.views.EnrichResultBytes;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The decomposition rows measure an echo: each item must come back as it was sent, enriched with nothing. */
class EchoServerTest {

  private static List<EnrichItemBytes> items() {
    List<EnrichItemBytes> items = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      items.add(EnrichItemBytes.newBuilder()
          .setItemId(ByteString.copyFromUtf8(Integer.toString(i)))
          .setEventType(ByteString.copyFromUtf8("signup"))
          .setContext(ContextBytes.newBuilder()
              .setUserAgent(ByteString.copyFromUtf8("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"))
              .setIp(ByteString.copyFromUtf8("203.0.113." + i))
              .setPageUrl(ByteString.copyFromUtf8("https://shop.example/größe?utm_source=news"))
              .setUserId(ByteString.copyFromUtf8("user-" + i)))
          .setClientIp(ByteString.copyFromUtf8("198.51.100." + i))
          .setPayloadJson(ByteString.copyFromUtf8("{\"email\":\"user" + i + "@example.com\",\"név\":\"é\"}"))
          .build());
    }
    return items;
  }

  private static void assertEchoed(List<EnrichItemBytes> items, List<EnrichResultBytes> results) {
    assertThat(results).hasSameSizeAs(items);
    for (int i = 0; i < items.size(); i++) {
      EnrichItemBytes item = items.get(i);
      EnrichResultBytes result = results.get(i);
      assertThat(result.getItemId()).isEqualTo(item.getItemId());
      assertThat(result.hasEnrichment()).isTrue();
      assertThat(result.getEnrichment().getSerializedSize()).isZero();
      assertThat(result.getPseudonymizedContext()).isEqualTo(item.getContext());
      assertThat(result.getPseudonymizedPayloadJson()).isEqualTo(item.getPayloadJson());
      assertThat(result.getAnonymizedClientIp()).isEqualTo(item.getClientIp());
    }
  }

  @Test
  void theEchoingApiAnswersEveryItemWithItsOwnInputOverGrpc() throws Exception {
    List<EnrichItemBytes> items = items();
    try (EchoServer echo = EchoServer.start()) {
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", echo.port()).usePlaintext().build();
      try {
        List<EnrichResultBytes> results = new EnrichmentClient(channel, Duration.ofSeconds(10))
            .enrich(items).get(10, TimeUnit.SECONDS);
        assertEchoed(items, results);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void theInProcessAnswerIsTheSameEcho() throws Exception {
    List<EnrichItemBytes> items = items();
    assertEchoed(items, EchoServer.answerInProcess(items).get());
  }
}
