package dev.millrace.enricher.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.enricher.FakeEnrichmentService;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;
import io.grpc.ManagedChannel;
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

  private static EnrichItem item(String id) {
    return EnrichItem.newBuilder().setItemId(id).setEventType("page_view")
        .setContext(Context.newBuilder().setUserId("u-" + id)).setPayloadJson("{}").build();
  }

  @Test
  void unavailableIsRetriedByTheChannelsServiceConfig() {
    channel = api.channel(EnrichmentChannels.serviceConfig(3, Duration.ofMillis(1), Duration.ofMillis(2)));
    api.failNext.set(2);
    List<EnrichResult> results = new EnrichmentClient(channel, Duration.ofSeconds(5)).enrich(List.of(item("1"))).join();
    assertThat(results).extracting(EnrichResult::getItemId).containsExactly("1");
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
    List<EnrichResult> results = new EnrichmentClient(channel, Duration.ofSeconds(5))
        .enrich(List.of(item("a"), item("b"), item("c"))).join();
    assertThat(results).extracting(EnrichResult::getItemId).containsExactly("a", "b", "c");
    assertThat(results).allSatisfy(r -> assertThat(r.hasEnrichment()).isTrue());
  }

  @Test
  void theCacheSendsOnlyInputsItHasNotSeen() {
    channel = api.channel(null);
    CachingEnricher cached = new CachingEnricher(new EnrichmentClient(channel, Duration.ofSeconds(5)), 100,
        Duration.ofMinutes(1));
    cached.enrich(List.of(item("a"), item("b"))).join();
    List<EnrichResult> again = cached.enrich(List.of(
        item("a").toBuilder().setItemId("a2").build(), item("c"))).join();
    assertThat(api.batchSizes).containsExactly(2, 1);
    assertThat(again).extracting(EnrichResult::getItemId).containsExactly("a2", "c");
    assertThat(again.get(0).getPseudonymizedContext().getUserId())
        .isEqualTo(FakeEnrichmentService.pseudonym("u-a"));
    assertThat(cached.cache().stats().hitCount()).isEqualTo(1);
  }
}
