package dev.millrace.realtime.it;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.json.jackson.Jackson3JsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.google.protobuf.ByteString;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.pii.Pseudonymizer;
import dev.millrace.proto.v1.BotScore;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.Transport;
import dev.millrace.realtime.Events;
import dev.millrace.realtime.RealtimeLoaderApplication;
import dev.millrace.localstack.ElasticsearchServer;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStackExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.http.HttpHost;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The loader against a real Kafka broker and a real Elasticsearch 8.19 server. The scenarios share
 * one set of topics and indexes and run in order; each counts only its own documents (tagged by
 * the event's {@code source}), and the last one rereads everything to show nothing is duplicated.
 */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class RealtimeLoaderIT {

  static final Duration WAIT = Duration.ofMinutes(2);
  final String run = "it" + UUID.randomUUID().toString().substring(0, 8);
  final String enrichedTopic = run + ".enriched";
  final String collectorDeadLetters = run + ".dead-letter.collector";
  final String enricherDeadLetters = run + ".dead-letter.enricher";
  final String eventsAlias = run + "-events";
  final String deadLettersAlias = run + "-dead-letters";
  final String groupId = run + "-loader";

  KafkaServer kafka;
  ElasticsearchServer elasticsearch;
  ConfigurableApplicationContext loader;
  KafkaProducer<String, byte[]> producer;
  RestClient restClient;
  ElasticsearchClient es;

  @BeforeAll
  void start(KafkaServer kafka, ElasticsearchServer elasticsearch) {
    this.kafka = kafka;
    this.elasticsearch = elasticsearch;
    kafka.createTopics(3, enrichedTopic, collectorDeadLetters, enricherDeadLetters);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    restClient = RestClient.builder(HttpHost.create(elasticsearch.url())).build();
    es = new ElasticsearchClient(new RestClientTransport(restClient, new Jackson3JsonpMapper()));
    loader = startLoader();
  }

  @AfterAll
  void stop() throws Exception {
    if (loader != null) {
      loader.close();
    }
    producer.close();
    restClient.close();
  }

  ConfigurableApplicationContext startLoader() {
    // Command-line arguments: they override millrace-realtime-loader.yml (builder properties would not).
    return RealtimeLoaderApplication.builder().run(
        "--server.port=0",
        "--millrace.realtime.kafka.bootstrap.servers=" + kafka.bootstrapServers(),
        "--millrace.realtime.topics.enriched=" + enrichedTopic,
        "--millrace.realtime.topics.collector-dead-letter=" + collectorDeadLetters,
        "--millrace.realtime.topics.enricher-dead-letter=" + enricherDeadLetters,
        "--millrace.realtime.consumer.group-id=" + groupId,
        "--millrace.realtime.consumer.shutdown-timeout=10s",
        "--millrace.realtime.elasticsearch.urls=" + elasticsearch.url(),
        "--millrace.realtime.index.events-prefix=" + eventsAlias,
        "--millrace.realtime.index.events-alias=" + eventsAlias,
        "--millrace.realtime.index.dead-letters-prefix=" + deadLettersAlias,
        "--millrace.realtime.index.dead-letters-alias=" + deadLettersAlias,
        // One node: replicas could never be assigned.
        "--millrace.realtime.index.replicas=0",
        "--millrace.realtime.bulk.linger=200ms",
        "--millrace.realtime.retry.max-backoff=1s",
        // The enrichment API's settings, as a deployment gives both services the same ones.
        "--millrace.enrichment.pii.key=" + PII_KEY,
        "--millrace.enrichment.pii.payload-paths[0]=$.email",
        "--millrace.enrichment.ip.ipv4-octets-kept=2");
  }

  /** A test value only; a real key is never committed. */
  static final String PII_KEY = "realtime-it-only-pii-key-0123456789abcdef";

  /** The enrichment API's pseudonymiser under the settings the loader was started with. */
  static Pseudonymizer pseudonymizer() {
    return new Pseudonymizer(EnrichmentConfig.builder().piiKey(PII_KEY, "$.email").build().pii());
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  @Order(10)
  void tenThousandEventsBecomeExactlyTenThousandSearchableDocuments() throws Exception {
    send(0, 10_000, "bulk-10k");

    await("10,000 documents", () -> count(eventsAlias, term("source", "bulk-10k")) >= 10_000);

    assertThat(count(eventsAlias, term("source", "bulk-10k"))).isEqualTo(10_000);
    assertThat(count(eventsAlias, term("event_id", Events.eventId(4242)))).isEqualTo(1);
    assertThat(count(eventsAlias, term("enrichment.bot.is_bot", "true"))).isEqualTo(2_500);
    assertThat(count(eventsAlias, term("enrichment.user_agent.agent_name", "Chrome"))).isEqualTo(10_000);
    assertThat(count(eventsAlias, term("payload.sku", "KET-4242"))).isEqualTo(1);
    JsonNode doc = source(eventsAlias, Events.eventId(4242));
    assertThat(doc.at("/enrichment/campaign/source").asString()).isEqualTo("news");
    String raw = new String(restClient.performRequest(new org.elasticsearch.client.Request("GET",
        "/" + eventsAlias + "/_doc/" + Events.eventId(4242))).getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(raw).as("the payload is stored exactly").contains("\"price\":12345678901234567890.01");

    assertThat(http("/actuator/health/readiness")).contains("\"status\":\"UP\"");
    assertThat(http("/actuator/prometheus"))
        .contains("millrace_realtime_documents_total{")
        .contains("millrace_realtime_bulk_latency_seconds_count")
        .contains("millrace_realtime_consumer_lag");
  }

  @Test
  @Order(20)
  void aDocumentThatConflictsWithTheMappingIsDeadLetteredAndTheRestOfItsBatchIsIndexed() throws Exception {
    String tooDeep = "{\"a\":".repeat(30) + "1" + "}".repeat(30);
    String badId = new UUID(1, 1).toString();
    send(20_000, 20_020, "conflict");
    producer.send(record(enrichedTopic, Events.enriched(badId, tooDeep).toBuilder()
        .setRaw(Events.enriched(badId, tooDeep).getRaw().toBuilder()
            .setEvent(Events.enriched(badId, tooDeep).getRaw().getEvent().toBuilder().setSource("conflict")))
        .build()));
    send(20_020, 20_040, "conflict");
    producer.flush();

    await("the refused event's dead letter", () -> count(deadLettersAlias, term("event_id", badId)) == 1);
    await("the rest of the batch", () -> count(eventsAlias, term("source", "conflict")) >= 40);

    assertThat(count(eventsAlias, term("source", "conflict"))).isEqualTo(40);
    assertThat(count(eventsAlias, term("event_id", badId))).isZero();
    JsonNode deadLetter = search(deadLettersAlias, term("event_id", badId)).get(0);
    assertThat(deadLetter.get("reason").asString()).isEqualTo("INDEX_REJECTED");
    assertThat(deadLetter.get("stage").asString()).isEqualTo("REALTIME_LOADER");
    assertThat(deadLetter.get("message").asString()).contains("depth");
    assertThat(deadLetter.get("source_topic").asString()).isEqualTo(enrichedTopic);
    assertThat(deadLetter.has("original")).as("never the record's bytes").isFalse();
    assertThat(deadLetter.get("original_format").asString()).isEqualTo("enriched_event");
    assertThat(deadLetter.at("/original_event/event_id").asString()).isEqualTo(badId);

    // Still running: a later event is indexed.
    send(20_040, 20_041, "conflict");
    await("an event after the refusal", () -> count(eventsAlias, term("source", "conflict")) == 41);
  }

  @Test
  @Order(30)
  void deadLettersFromBothStagesAreSearchableByReasonCode() throws Exception {
    for (int n = 0; n < 50; n++) {
      producer.send(new ProducerRecord<>(collectorDeadLetters, "k" + n, Events.collectorDeadLetter(n).toByteArray()));
    }
    for (int n = 0; n < 30; n++) {
      producer.send(new ProducerRecord<>(enricherDeadLetters, Events.eventId(n), Events.enricherDeadLetter(n).toByteArray()));
    }
    producer.send(new ProducerRecord<>(enrichedTopic, "garbage", "not protobuf".getBytes(StandardCharsets.UTF_8)));
    producer.flush();

    await("dead letters", () -> count(deadLettersAlias, term("reason", "INVALID_EVENT_ID")) >= 50
        && count(deadLettersAlias, term("reason", "SCHEMA_VIOLATION")) >= 30
        && count(deadLettersAlias, term("reason", "LOADER_UNDECODABLE")) >= 1);

    assertThat(count(deadLettersAlias, term("reason", "INVALID_EVENT_ID"))).isEqualTo(50);
    assertThat(count(deadLettersAlias, term("stage", "COLLECTOR"))).isEqualTo(50);
    assertThat(count(deadLettersAlias, term("reason", "SCHEMA_VIOLATION"))).isEqualTo(30);
    assertThat(count(deadLettersAlias, term("stage", "ENRICHER"))).isEqualTo(30);
    assertThat(count(deadLettersAlias, term("reason", "LOADER_UNDECODABLE"))).isEqualTo(1);
    JsonNode fromEnricher = search(deadLettersAlias, term("event_id", Events.eventId(7))).get(0);
    assertThat(fromEnricher.get("source_topic").asString()).isEqualTo("millrace.raw");
    assertThat(fromEnricher.get("source_offset").asLong()).isEqualTo(7);
    assertThat(fromEnricher.at("/violations/0/pointer").asString()).isEqualTo("/payload/qty");
  }

  @Test
  @Order(33)
  void deadLettersShowTheirOriginalOnlyPseudonymisedAsTheEnrichmentApiWould() throws Exception {
    String eventId = new UUID(3, 1).toString();
    Event event = Event.newBuilder().setEventId(eventId).setEventType("signup").setSchemaVersion("1-0-0")
        .setContext(Context.newBuilder().setUserId("alice-it-42").setIp("198.51.100.77"))
        .setPayloadJson("{\"email\":\"alice.it@example.com\",\"plan\":\"gold\"}")
        .build();
    CollectorMetadata metadata = CollectorMetadata.newBuilder().setClientIp("198.51.100.78")
        .setTransport(Transport.TRANSPORT_REST).build();
    DeadLetter deadLetter = Events.enricherDeadLetter(0).toBuilder().setEventId(eventId).setMetadata(metadata)
        .setOriginal(RawEvent.newBuilder().setEvent(event).setMetadata(metadata).build().toByteString()).build();
    String rest = "{\"event_id\":\"nope\",\"context\":{\"user_id\":\"bob-it-7\",\"ip\":\"198.51.100.79\"},"
        + "\"payload\":{\"email\":\"bob.it@example.com\"}}";
    DeadLetter fromCollector = Events.collectorDeadLetter(0).toBuilder().setEventId("nope-privacy")
        .setMetadata(metadata).setOriginal(ByteString.copyFromUtf8(rest)).build();
    producer.send(new ProducerRecord<>(enricherDeadLetters, "alice-it-42", deadLetter.toByteArray()));
    producer.send(new ProducerRecord<>(collectorDeadLetters, "bob-it-7", fromCollector.toByteArray()));
    producer.flush();

    await("the dead letters", () -> count(deadLettersAlias, term("event_id", eventId)) == 1
        && count(deadLettersAlias, term("event_id", "nope-privacy")) == 1);

    Pseudonymizer pii = pseudonymizer();
    JsonNode enricher = search(deadLettersAlias, term("event_id", eventId)).get(0);
    assertThat(enricher.at("/original_event/context/user_id").asString()).isEqualTo(pii.pseudonym("alice-it-42"));
    assertThat(enricher.at("/original_event/context/ip").asString()).isEqualTo("198.51.0.0");
    assertThat(enricher.at("/original_event/payload/email").asString()).isEqualTo(pii.pseudonym("alice.it@example.com"));
    assertThat(enricher.at("/original_event/payload/plan").asString()).isEqualTo("gold");
    assertThat(enricher.at("/metadata/client_ip").asString()).isEqualTo("198.51.0.0");
    JsonNode collector = search(deadLettersAlias, term("event_id", "nope-privacy")).get(0);
    assertThat(collector.get("original_format").asString()).isEqualTo("event_json");
    assertThat(collector.at("/original_event/context/user_id").asString()).isEqualTo(pii.pseudonym("bob-it-7"));
    assertThat(collector.at("/original_event/payload/email").asString()).isEqualTo(pii.pseudonym("bob.it@example.com"));

    // Nothing raw anywhere: neither in a document's source nor searchable in any field.
    for (String raw : List.of("alice-it-42", "198.51.100.77", "198.51.100.78", "alice.it@example.com",
        "bob-it-7", "198.51.100.79", "bob.it@example.com")) {
      assertThat(count(deadLettersAlias, Query.of(q -> q.queryString(qs -> qs.query("\"" + raw + "\"")))))
          .as("documents matching %s", raw).isZero();
      assertThat(rawSource(eventId)).doesNotContain(raw);
      assertThat(rawSource("nope-privacy")).doesNotContain(raw);
    }
  }

  @Test
  @Order(36)
  void onlyCommittedTransactionsAreIndexedAndADeadLetterOfAnAbortedOneIsNoDuplicate() throws Exception {
    String abortedEvent = new UUID(2, 1).toString();
    String committedEvent = new UUID(2, 2).toString();
    String deadLetterEvent = new UUID(2, 3).toString();
    DeadLetter deadLetter = Events.enricherDeadLetter(900).toBuilder().setEventId(deadLetterEvent).build();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, run + "-enricher");
    try (KafkaProducer<String, byte[]> enricher = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      enricher.initTransactions();
      // As the enricher's exactly_once_v2 does when a task fails mid-transaction: abort, then do it again.
      enricher.beginTransaction();
      enricher.send(record(enrichedTopic, tagged(abortedEvent, "txn")));
      enricher.send(new ProducerRecord<>(enricherDeadLetters, deadLetterEvent, deadLetter.toByteArray()));
      enricher.flush();
      enricher.abortTransaction();
      enricher.beginTransaction();
      enricher.send(record(enrichedTopic, tagged(committedEvent, "txn")));
      enricher.send(new ProducerRecord<>(enricherDeadLetters, deadLetterEvent, deadLetter.toByteArray()));
      enricher.commitTransaction();
    }

    await("the committed transaction", () -> count(eventsAlias, term("event_id", committedEvent)) == 1
        && count(deadLettersAlias, term("event_id", deadLetterEvent)) >= 1);
    // Committed offsets reach the end of every partition, past the transactions' markers.
    awaitCaughtUp();

    assertThat(count(eventsAlias, term("event_id", abortedEvent))).as("an aborted event").isZero();
    assertThat(count(eventsAlias, term("source", "txn"))).isEqualTo(1);
    assertThat(count(deadLettersAlias, term("event_id", deadLetterEvent))).as("one dead letter, not two").isEqualTo(1);
  }

  @Test
  @Order(40)
  void elasticsearchDownForTenSecondsMidRunLosesAndDuplicatesNothing() throws Exception {
    send(30_000, 35_000, "es-restart");
    await("some of the run indexed", () -> count(eventsAlias, term("source", "es-restart")) > 0);

    elasticsearch.stop();
    send(35_000, 40_000, "es-restart");
    Thread.sleep(10_000);
    elasticsearch.start();

    await("10,000 documents after the restart", () -> count(eventsAlias, term("source", "es-restart")) >= 10_000);
    assertThat(count(eventsAlias, term("source", "es-restart"))).isEqualTo(10_000);
    await("readiness back up", () -> http("/actuator/health/readiness").contains("\"status\":\"UP\""));
  }

  @Test
  @Order(50)
  void rewindingTheConsumerGroupToTheStartDuplicatesNothing() throws Exception {
    awaitCaughtUp();
    long events = count(eventsAlias, Query.of(q -> q.matchAll(m -> m)));
    long deadLetters = count(deadLettersAlias, Query.of(q -> q.matchAll(m -> m)));
    loader.close();

    try (Admin admin = admin()) {
      Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
      for (String topic : List.of(enrichedTopic, collectorDeadLetters, enricherDeadLetters)) {
        for (int p = 0; p < 3; p++) {
          start.put(new TopicPartition(topic, p), new OffsetAndMetadata(0));
        }
      }
      admin.alterConsumerGroupOffsets(groupId, start).all().get(30, TimeUnit.SECONDS);
    }
    loader = startLoader();
    awaitCaughtUp();

    assertThat(count(eventsAlias, term("source", "bulk-10k"))).isEqualTo(10_000);
    assertThat(count(eventsAlias, term("source", "es-restart"))).isEqualTo(10_000);
    assertThat(count(eventsAlias, Query.of(q -> q.matchAll(m -> m)))).isEqualTo(events);
    assertThat(count(deadLettersAlias, Query.of(q -> q.matchAll(m -> m)))).isEqualTo(deadLetters);
    // The documents were written again (a new version), proving the records were redelivered.
    assertThat(es.get(g -> g.index(eventsAlias + "-" + todayOfEvents()).id(Events.eventId(4242)), JsonNode.class).version())
        .isGreaterThan(1);
  }

  // ---------------------------------------------------------------------------------------------

  void send(int from, int to, String source) {
    for (int n = from; n < to; n++) {
      EnrichedEvent e = Events.enriched(n);
      EnrichedEvent tagged = e.toBuilder()
          .setRaw(e.getRaw().toBuilder().setEvent(e.getRaw().getEvent().toBuilder().setSource(source)))
          .setEnrichment(e.getEnrichment().toBuilder()
              .setBot(BotScore.newBuilder().setScore(n % 4 == 0 ? 0.9 : 0.1).setIsBot(n % 4 == 0).setModelVersion("bot-lr-1")))
          .build();
      producer.send(record(enrichedTopic, tagged));
    }
    producer.flush();
  }

  static EnrichedEvent tagged(String eventId, String source) {
    EnrichedEvent e = Events.enriched(eventId, "{\"sku\":\"KET-1\"}");
    return e.toBuilder().setRaw(e.getRaw().toBuilder().setEvent(e.getRaw().getEvent().toBuilder().setSource(source)))
        .build();
  }

  /** A dead letter's stored source, as Elasticsearch returns it. */
  String rawSource(String eventId) throws Exception {
    es.indices().refresh(r -> r.index(deadLettersAlias));
    org.elasticsearch.client.Request request = new org.elasticsearch.client.Request("POST", "/" + deadLettersAlias + "/_search");
    request.setJsonEntity("{\"query\":{\"term\":{\"event_id\":\"" + eventId + "\"}}}");
    return new String(restClient.performRequest(request).getEntity().getContent().readAllBytes(), StandardCharsets.UTF_8);
  }

  static ProducerRecord<String, byte[]> record(String topic, EnrichedEvent e) {
    return new ProducerRecord<>(topic, e.getRaw().getEvent().getEventId(), e.toByteArray());
  }

  static String todayOfEvents() {
    return new dev.millrace.realtime.index.IndexNaming("yyyy.MM.dd").indexName("x", Events.RECEIVED).substring(2);
  }

  static Query term(String field, String value) {
    return Query.of(q -> q.term(t -> t.field(field).value(value)));
  }

  long count(String index, Query query) throws Exception {
    es.indices().refresh(r -> r.index(index).allowNoIndices(true).ignoreUnavailable(true));
    return es.count(c -> c.index(index).query(query).allowNoIndices(true).ignoreUnavailable(true)).count();
  }

  List<JsonNode> search(String index, Query query) throws Exception {
    es.indices().refresh(r -> r.index(index));
    SearchResponse<JsonNode> response = es.search(s -> s.index(index).query(query), JsonNode.class);
    return response.hits().hits().stream().map(h -> h.source()).toList();
  }

  JsonNode source(String index, String id) throws Exception {
    return search(index, term("event_id", id)).get(0);
  }

  String http(String path) throws Exception {
    String port = loader.getEnvironment().getProperty("local.server.port");
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.body();
  }

  Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  /** Waits until the group's committed offsets reach the end of every partition. */
  void awaitCaughtUp() throws Exception {
    try (Admin admin = admin()) {
      await("the loader to commit every record", () -> {
        try {
          Map<TopicPartition, OffsetAndMetadata> committed =
              admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          for (String topic : List.of(enrichedTopic, collectorDeadLetters, enricherDeadLetters)) {
            for (int p = 0; p < 3; p++) {
              latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
          }
          Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
          return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
              || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset()));
        } catch (Exception e) {
          return false;
        }
      });
    }
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static void await(String what, Check check) throws Exception {
    Instant deadline = Instant.now().plus(WAIT);
    while (true) {
      try {
        if (check.ok()) {
          return;
        }
      } catch (Exception e) {
        // Elasticsearch restarting, index not created yet: try again.
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(500);
    }
  }
}
