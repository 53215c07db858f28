package dev.millrace.realtime.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.realtime.Events;
import dev.millrace.realtime.config.RealtimeProperties.TimeField;
import dev.millrace.realtime.index.DocumentMapper;
import dev.millrace.realtime.index.LoaderDocument;
import dev.millrace.realtime.index.Origin;
import dev.millrace.realtime.ops.LoaderMetrics;
import dev.millrace.retry.Backoff;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class BulkSinkTest {

  static final JsonMapper JSON = JsonMapper.builder().build();
  final DocumentMapper mapper = new DocumentMapper(
      Events.indexSettings(TimeField.RECEIVED_AT), JSON);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final LoaderMetrics metrics = new LoaderMetrics(registry);
  final List<Duration> sleeps = new ArrayList<>();
  final FakeElasticsearch es = new FakeElasticsearch();
  final BulkSink sink = new BulkSink(es, mapper,
      new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.0), sleeps::add, metrics, 1);

  @AfterEach
  void close() {
    sink.close();
  }

  /** Answers each request with a status per document, chosen by a script; records what was sent. */
  static final class FakeElasticsearch implements BulkClient {
    final List<List<LoaderDocument>> requests = new ArrayList<>();
    final Deque<Function<LoaderDocument, ItemResult>> script = new ArrayDeque<>();
    int failWholeRequests;

    @Override
    public List<ItemResult> bulk(List<LoaderDocument> documents) throws IOException {
      requests.add(List.copyOf(documents));
      if (failWholeRequests > 0) {
        failWholeRequests--;
        throw new ConnectException("Connection refused");
      }
      Function<LoaderDocument, ItemResult> answer = script.isEmpty() ? d -> ItemResult.ok(201) : script.poll();
      return documents.stream().map(answer).toList();
    }
  }

  LoaderDocument event(int n) throws Exception {
    EnrichedEvent e = Events.enriched(n);
    return mapper.event(e, new Origin("millrace.enriched", 0, n, 0, Events.eventId(n)), e.toByteArray());
  }

  @Test
  void overloadedItemsAreRetriedAloneAfterABackoffAndRefusedEventsAreDeadLettered() throws Exception {
    List<LoaderDocument> batch = List.of(event(1), event(2), event(3), event(4));
    es.script.add(d -> switch (d.id().substring(d.id().length() - 1)) {
      case "1" -> ItemResult.ok(201);
      case "2" -> new ItemResult(429, "es_rejected_execution_exception: queue full");
      case "3" -> new ItemResult(400, "document_parsing_exception: failed to parse field [occurred_at]");
      default -> new ItemResult(503, "unavailable_shards_exception: primary not active");
    });

    sink.write(batch);

    assertThat(es.requests).hasSize(2);
    List<LoaderDocument> second = es.requests.get(1);
    assertThat(second).extracting(LoaderDocument::id)
        .containsExactly(Events.eventId(2), "millrace.enriched-0-3", Events.eventId(4));
    LoaderDocument deadLetter = second.get(1);
    assertThat(deadLetter.reason()).isEqualTo("INDEX_REJECTED");
    assertThat(deadLetter.stage()).isEqualTo("REALTIME_LOADER");
    assertThat(JSON.readTree(deadLetter.source()).get("message").asString())
        .contains("document_parsing_exception: failed to parse field [occurred_at]");
    assertThat(sleeps).containsExactly(Duration.ofMillis(50));
    assertThat(registry.get("millrace.realtime.documents").tag("kind", "event").counter().count()).isEqualTo(3);
    assertThat(registry.get("millrace.realtime.dead.letters").tag("reason", "INDEX_REJECTED").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("millrace.realtime.bulk.retried.items").counter().count()).isEqualTo(2);
  }

  @Test
  void whileElasticsearchIsUnreachableTheWholeBatchIsRetriedWithGrowingBackoff() throws Exception {
    es.failWholeRequests = 4;

    sink.write(List.of(event(1), event(2)));

    assertThat(es.requests).hasSize(5).allSatisfy(r -> assertThat(r).hasSize(2));
    assertThat(sleeps).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(200), Duration.ofMillis(400));
    assertThat(registry.get("millrace.realtime.bulk.failures").counter().count()).isEqualTo(4);
  }

  @Test
  void aRefusedDeadLetterIsReplacedByAMinimalOne() throws Exception {
    Origin origin = new Origin("millrace.dead-letter.enricher", 0, 8, 0, "");
    LoaderDocument deadLetter = mapper.deadLetter(Events.enricherDeadLetter(8), origin);
    es.script.add(d -> new ItemResult(400, "mapper_parsing_exception: failed_at"));

    sink.write(List.of(deadLetter));

    LoaderDocument fallback = es.requests.get(1).get(0);
    assertThat(fallback.kind()).isEqualTo(LoaderDocument.Kind.FALLBACK_DEAD_LETTER);
    assertThat(fallback.id()).isEqualTo(deadLetter.id());
    assertThat(JSON.readTree(fallback.source()).get("refused_document_bytes").asInt())
        .isEqualTo(deadLetter.source().length);
    assertThat(JSON.readTree(fallback.source()).has("original")).isFalse();
    assertThat(sleeps).isEmpty();
  }

  @Test
  void aRefusedMinimalDeadLetterIsHeldBackAndSentAgainUntilStoredNeverDropped() throws Exception {
    Origin origin = new Origin("millrace.dead-letter.enricher", 0, 8, 0, "");
    es.script.add(d -> new ItemResult(400, "x"));
    es.script.add(d -> new ItemResult(400, "index_closed_exception: closed"));
    es.script.add(d -> new ItemResult(400, "index_closed_exception: closed"));
    List<Integer> blockedWhileWaiting = new ArrayList<>();
    BulkSink watched = new BulkSink(es, mapper, new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.0),
        d -> {
          sleeps.add(d);
          blockedWhileWaiting.add(metrics.status().blockedCount());
        }, metrics, 1);

    try {
      watched.write(List.of(mapper.deadLetter(Events.enricherDeadLetter(8), origin)));
    } finally {
      watched.close();
    }

    assertThat(es.requests).hasSize(4);
    assertThat(es.requests.get(3)).singleElement()
        .satisfies(d -> assertThat(d.kind()).isEqualTo(LoaderDocument.Kind.FALLBACK_DEAD_LETTER));
    assertThat(sleeps).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(blockedWhileWaiting).containsExactly(1, 1);
    assertThat(metrics.status().blockedCount()).isZero();
    assertThat(registry.get("millrace.realtime.fallback.refusals").counter().count()).isEqualTo(2);
    assertThat(registry.get("millrace.realtime.dead.letters").tag("reason", "INDEX_REJECTED").counter().count())
        .isEqualTo(1);
  }

  @Test
  void aBatchWithAnUnstorableRecordDoesNotCompleteAndIsReportedBlocked() throws Exception {
    Origin origin = new Origin("millrace.dead-letter.collector", 2, 5, 0, "");
    java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
    BulkClient refusing = docs -> docs.stream()
        .map(d -> broken.get() && d.kind() != LoaderDocument.Kind.EVENT ? new ItemResult(400, "index_closed_exception")
            : ItemResult.ok(201))
        .toList();
    BulkSink stuck = new BulkSink(refusing, mapper, new Backoff(Duration.ofMillis(1), Duration.ofMillis(2), () -> 0.0),
        d -> Thread.sleep(d.toMillis()), metrics, 1);
    try {
      java.util.concurrent.Future<?> write = stuck.submit(List.of(event(1),
          mapper.deadLetter(Events.collectorDeadLetter(5), origin)));

      assertThat(org.assertj.core.api.Assertions.catchThrowable(
          () -> write.get(300, java.util.concurrent.TimeUnit.MILLISECONDS)))
          .as("the batch does not complete while its record cannot be stored")
          .isInstanceOf(java.util.concurrent.TimeoutException.class);
      assertThat(metrics.status().oldestBlocked()).hasValueSatisfying(b -> {
        assertThat(b.origin()).isEqualTo(origin);
        assertThat(b.error()).contains("index_closed_exception");
      });
      assertThat(registry.get("millrace.realtime.blocked.records").gauge().value()).isEqualTo(1);

      broken.set(false);
      write.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(registry.get("millrace.realtime.blocked.records").gauge().value()).isZero();
    } finally {
      stuck.close();
    }
  }

  @Test
  void submittedBatchesCompleteOnTheSinksThread() throws Exception {
    sink.submit(List.of(event(1))).get();

    assertThat(es.requests).hasSize(1);
    assertThat(Map.of("n", registry.get("millrace.realtime.documents").tag("kind", "event").counter().count()))
        .containsEntry("n", 1.0);
  }
}
