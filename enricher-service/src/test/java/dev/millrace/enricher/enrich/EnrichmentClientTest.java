package dev.millrace.enricher.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.millrace.enricher.FakeEnrichmentService;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import dev.millrace.proto.views.EnrichItemBytes;
import dev.millrace.proto.views.EnrichResponseBytes;
import dev.millrace.proto.views.EnrichResultBytes;
import dev.millrace.proto.views.EnrichmentBytes;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCalls;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EnrichmentClientTest {

  private final FakeEnrichmentService api = new FakeEnrichmentService();
  private ManagedChannel channel;

  @AfterEach
  void close() {
    channel.shutdownNow();
    api.close();
  }

  private static EnrichItemBytes item(String id) {
    try {
      return EnrichItemBytes.parseFrom(EnrichItem.newBuilder().setItemId(id).setEventType("page_view")
          .setContext(Context.newBuilder().setUserId("u-" + id)).setPayloadJson("{}").build().toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static String id(EnrichResultBytes r) {
    return r.getItemId().toStringUtf8();
  }

  @Test
  void unavailableIsRetriedByTheChannelsServiceConfig() {
    channel = api.channel(EnrichmentChannels.serviceConfig(3, Duration.ofMillis(1), Duration.ofMillis(2)));
    api.failNext.set(2);
    List<EnrichResultBytes> results = new EnrichmentClient(channel, Duration.ofSeconds(5)).enrich(List.of(item("1"))).join();
    assertThat(results).extracting(EnrichmentClientTest::id).containsExactly("1");
    assertThat(api.calls.get()).isEqualTo(3);
  }

  @Test
  void anApiThatStaysDownIsReportedAsUnavailableNotAsFailedItems() {
    channel = api.channel(EnrichmentChannels.serviceConfig(2, Duration.ofMillis(1), Duration.ofMillis(2)));
    api.unavailable = true;
    assertThatThrownBy(() -> new EnrichmentClient(channel, Duration.ofSeconds(5)).enrich(List.of(item("1"))).join())
        .hasCauseInstanceOf(EnrichmentUnavailableException.class).hasMessageContaining("UNAVAILABLE");
  }

  @Test
  void resultsAreMatchedToItemsById() {
    channel = api.channel(null);
    List<EnrichResultBytes> results = new EnrichmentClient(channel, Duration.ofSeconds(5))
        .enrich(List.of(item("a"), item("b"), item("c"))).join();
    assertThat(results).extracting(EnrichmentClientTest::id).containsExactly("a", "b", "c");
    assertThat(results).allSatisfy(r -> assertThat(r.hasEnrichment()).isTrue());
  }

  @Test
  void theCacheSendsOnlyInputsItHasNotSeen() {
    channel = api.channel(null);
    CachingEnricher cached = new CachingEnricher(new EnrichmentClient(channel, Duration.ofSeconds(5)), 100,
        Duration.ofMinutes(1));
    cached.enrich(List.of(item("a"), item("b"))).join();
    List<EnrichResultBytes> again = cached.enrich(List.of(
        item("a").toBuilder().setItemId(ByteString.copyFromUtf8("a2")).build(), item("c"))).join();
    assertThat(api.batchSizes).containsExactly(2, 1);
    assertThat(again).extracting(EnrichmentClientTest::id).containsExactly("a2", "c");
    assertThat(again.get(0).getPseudonymizedContext().getUserId().toStringUtf8())
        .isEqualTo(FakeEnrichmentService.pseudonym("u-a"));
    assertThat(cached.cache().stats().hitCount()).isEqualTo(1);
  }

  @Test
  void aResultThatIsNotUtf8FailsItsItemOnly() throws Exception {
    // A server that answers in bytes, so it can send what a millrace.v1 server never would.
    ServerServiceDefinition service = ServerServiceDefinition.builder(EnrichmentServiceGrpc.SERVICE_NAME)
        .addMethod(EnrichmentClient.ENRICH, ServerCalls.<dev.millrace.proto.views.EnrichRequestBytes,
            EnrichResponseBytes>asyncUnaryCall((request, answer) -> {
          EnrichResponseBytes.Builder response = EnrichResponseBytes.newBuilder();
          for (EnrichItemBytes i : request.getItemsList()) {
            boolean bad = id(EnrichResultBytes.newBuilder().setItemId(i.getItemId()).build()).equals("bad");
            response.addResults(EnrichResultBytes.newBuilder()
                .setItemId(i.getItemId())
                .setEnrichment(EnrichmentBytes.getDefaultInstance())
                .setPseudonymizedPayloadJson(bad ? ByteString.copyFrom(new byte[] {'{', (byte) 0xC3, '}'})
                    : i.getPayloadJson()));
          }
          answer.onNext(response.build());
          answer.onCompleted();
        }))
        .build();
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name).directExecutor().addService(service).build().start();
    try {
      channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      List<EnrichResultBytes> results = new EnrichmentClient(channel, Duration.ofSeconds(5))
          .enrich(List.of(item("good"), item("bad"))).join();
      assertThat(results).extracting(EnrichmentClientTest::id).containsExactly("good", "bad");
      assertThat(results.get(0).hasEnrichment()).isTrue();
      assertThat(results.get(1).hasEnrichment()).isFalse();
      assertThat(results.get(1).getError().getMessage().toStringUtf8()).contains("not valid UTF-8");
    } finally {
      server.shutdownNow();
    }
  }
}
