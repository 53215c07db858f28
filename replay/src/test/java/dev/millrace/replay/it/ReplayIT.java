package dev.millrace.replay.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.millrace.batch.BatchLoaderApplication;
import dev.millrace.collector.CollectorApplication;
import dev.millrace.collector.auth.WriteKeys;
import dev.millrace.enricher.EnricherApplication;
import dev.millrace.localstack.ElasticsearchServer;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.localstack.S3Server;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.ReplayRecord;
import dev.millrace.proto.v1.Transport;
import dev.millrace.realtime.RealtimeLoaderApplication;
import dev.millrace.replay.ReplayMain;
import io.minio.DownloadObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * An operator's days, on real Kafka, Elasticsearch and S3 with the real services in this JVM — the
 * enrichment API, the enricher, the realtime loader and the batch loader, started once for the
 * class, and the collector for the one scenario that needs it — each day counted by event id on
 * the topics (read_committed), in Elasticsearch and in the Parquet files:
 *
 * <ol>
 *   <li>1,000 events of a version nobody published yet are dead-lettered UNKNOWN_SCHEMA, and 100
 *       events that break their schema SCHEMA_VIOLATION; the version is published to the schema
 *       directory and refreshed with {@code POST /actuator/schemas} (no restart); {@code millrace
 *       replay} brings every one of the 1,000 to enriched exactly once, marked with its replay id,
 *       in Elasticsearch and on S3 too, and the 100 are dead-lettered again, once, with it. A second
 *       replay is refused and writes nothing; a forced one re-submits them all, and Elasticsearch
 *       still holds each id once, now with the forced run's id.
 *   <li>The enrichment API is stopped: 1,000 events are dead-lettered ENRICHMENT_UNAVAILABLE past
 *       the enricher's bound; once it is back, {@code replay --reason ENRICHMENT_UNAVAILABLE} brings
 *       each to enriched exactly once.
 *   <li>The collector refuses events whose page URL is over its field limit (INVALID_FIELD); the
 *       operator raises the limit and restarts it; {@code replay --stage collector} re-submits them
 *       through its HTTP API: they reach the raw topic once each with the replay id, and the ones
 *       still over the new limit are dead-lettered again with it.
 * </ol>
 */
@ExtendWith(LocalStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class ReplayIT {

  private static final String V100 = """
      {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
       "properties": {"plan": {"enum": ["free", "pro"]}}, "required": ["plan"], "additionalProperties": false,
       "examples": [{"plan": "free"}]}""";
  private static final String V101 = """
      {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
       "properties": {"plan": {"enum": ["free", "pro"]}, "seats": {"type": "integer"}}, "required": ["plan"],
       "additionalProperties": false, "examples": [{"plan": "pro", "seats": 3}]}""";
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String WRITE_KEY = "replay-it-key-" + UUID.randomUUID();
  private static final String WRITE_KEY_ID = "replay-it";

  private final KafkaServer kafka;
  private ElasticsearchServer elasticsearch;
  private S3Server s3;
  private final String id = UUID.randomUUID().toString().substring(0, 8);
  private final String raw = "raw-" + id;
  private final String enriched = "enriched-" + id;
  private final String dead = "dead-letter-" + id;
  private final String collectorDead = "dead-letter-collector-" + id;
  private final String replays = "replays-" + id;
  private final String eventsAlias = "replay-it-" + id + "-events";
  private final String bucket = "replay-it-" + id;
  private final Map<String, List<Row>> parquetFiles = new HashMap<>();
  private Path tmp;

  private EnrichmentApi api;
  private int apiPort;
  private ConfigurableApplicationContext enricher;
  private ConfigurableApplicationContext realtimeLoader;
  private ConfigurableApplicationContext batchLoader;

  ReplayIT(KafkaServer kafka) {
    this.kafka = kafka;
  }

  @BeforeAll
  void startThePipeline(@TempDir Path tmp) throws Exception {
    this.tmp = tmp;
    // Elasticsearch takes longest to start (about 20 s): it and S3 start while the enricher does.
    CompletableFuture<ElasticsearchServer> startingElasticsearch =
        CompletableFuture.supplyAsync(LocalStack::elasticsearch);
    CompletableFuture<S3Server> startingS3 = CompletableFuture.supplyAsync(LocalStack::s3);
    kafka.createTopics(2, raw, enriched, dead, collectorDead, enriched + ".dlq");
    Path schemas = tmp.resolve("schemas");
    Files.createDirectories(schemas.resolve("plan_changed"));
    Files.writeString(schemas.resolve("plan_changed/1-0-0.json"), V100);
    api = EnrichmentApi.start(0);
    apiPort = api.port();
    // Command-line arguments: they override each service's own yml (builder properties would not).
    enricher = EnricherApplication.builder().run(
        "--server.port=0",
        "--millrace.enricher.application-id=replay-it-" + id,
        "--millrace.enricher.bootstrap-servers=" + kafka.bootstrapServers(),
        "--millrace.enricher.topics.raw=" + raw,
        "--millrace.enricher.topics.enriched=" + enriched,
        "--millrace.enricher.topics.dead-letter=" + dead,
        "--millrace.enricher.enrichment.target=127.0.0.1:" + apiPort,
        // An outage of 2 s dead-letters its records as ENRICHMENT_UNAVAILABLE (scenario 2).
        "--millrace.enricher.enrichment.on-unavailable=DEAD_LETTER",
        "--millrace.enricher.enrichment.unavailable-bound=2s",
        "--millrace.enricher.enrichment.deadline=1s",
        "--millrace.enricher.enrichment.backoff-max=500ms",
        "--millrace.enricher.streams.state-dir=" + tmp.resolve("streams"),
        "--millrace.enricher.schemas.location=file:" + schemas,
        "--millrace.enricher.schemas.refresh-interval=0");
    s3 = startingS3.join();
    s3.createBucket(bucket);
    // Files close after 2 s (the loader only uploads on rotation), as its own ITs run it.
    batchLoader = BatchLoaderApplication.builder().run(
        "--server.port=0",
        "--logging.level.org.apache.kafka=WARN",
        "--millrace.batch.topic=" + enriched,
        "--millrace.batch.dead-letter-topic=" + enriched + ".dlq",
        "--millrace.batch.kafka.bootstrap.servers=" + kafka.bootstrapServers(),
        "--millrace.batch.kafka.group.id=replay-it-batch-" + id,
        "--millrace.batch.s3.endpoint=" + s3.endpoint(),
        "--millrace.batch.s3.access-key=" + s3.accessKey(),
        "--millrace.batch.s3.secret-key=" + s3.secretKey(),
        "--millrace.batch.s3.region=" + s3.region(),
        "--millrace.batch.s3.bucket=" + bucket,
        "--millrace.batch.spill-dir=" + tmp.resolve("spill"),
        "--millrace.batch.rotation.interval=2s",
        "--millrace.batch.poll-timeout=200ms",
        "--millrace.batch.retry.max-backoff=1s");
    elasticsearch = startingElasticsearch.join();
    realtimeLoader = RealtimeLoaderApplication.builder().run(
        "--server.port=0",
        "--millrace.realtime.kafka.bootstrap.servers=" + kafka.bootstrapServers(),
        "--millrace.realtime.topics.enriched=" + enriched,
        "--millrace.realtime.topics.collector-dead-letter=" + collectorDead,
        "--millrace.realtime.topics.enricher-dead-letter=" + dead,
        "--millrace.realtime.consumer.group-id=replay-it-realtime-" + id,
        "--millrace.realtime.consumer.shutdown-timeout=5s",
        "--millrace.realtime.elasticsearch.urls=" + elasticsearch.url(),
        "--millrace.realtime.index.events-prefix=" + eventsAlias,
        "--millrace.realtime.index.events-alias=" + eventsAlias,
        "--millrace.realtime.index.dead-letters-prefix=replay-it-" + id + "-dead-letters",
        "--millrace.realtime.index.dead-letters-alias=replay-it-" + id + "-dead-letters",
        "--millrace.realtime.index.replicas=0", // one node: replicas could never be assigned
        "--millrace.realtime.bulk.linger=200ms",
        "--millrace.realtime.retry.max-backoff=1s");
  }

  @AfterAll
  void stopThePipeline() {
    for (AutoCloseable c : new AutoCloseable[] {batchLoader, realtimeLoader, enricher, api}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing the rest matters more
      }
    }
  }

  @Test
  @Order(1)
  void replayBringsEveryDeadLetterToEnrichedOnceInBothStoresRefusesASecondReplayAndForcesAThird()
      throws Exception {
    // 1. A release sends 1-0-1 before its schema is published; some events break 1-0-0.
    List<String> unpublished = produce(raw, "1-0-1", "{\"plan\":\"pro\",\"seats\":2}", 1000, "shop-web");
    List<String> broken = produce(raw, "1-0-0", "{\"plan\":\"gold\"}", 100, "shop-web");
    Map<String, List<DeadLetter>> deadLetters = awaitDeadLetters(dead, 1100);
    assertThat(deadLetters.keySet()).containsExactlyInAnyOrderElementsOf(concat(unpublished, broken));
    assertThat(unpublished).allSatisfy(e ->
        assertThat(deadLetters.get(e).get(0).getReason()).isEqualTo(ReasonCode.UNKNOWN_SCHEMA));
    assertThat(broken).allSatisfy(e ->
        assertThat(deadLetters.get(e).get(0).getReason()).isEqualTo(ReasonCode.SCHEMA_VIOLATION));

    // 2. Publish 1-0-1 and refresh: no restart.
    Files.writeString(tmp.resolve("schemas/plan_changed/1-0-1.json"), V101);
    String actuator = "http://127.0.0.1:" + enricher.getEnvironment().getProperty("local.server.port")
        + "/actuator/schemas";
    assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(actuator))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
    // Every run selects the dead letters that failed before the first replay: the ones its own replay
    // causes (the 100 that still break 1-0-0) are new dead letters, which a later run may replay once.
    Instant beforeReplays = Instant.now();
    String[] common = {"--bootstrap-servers", kafka.bootstrapServers(), "--stage", "enricher",
        "--enricher-dead-letter-topic", dead, "--raw-topic", raw, "--replays-topic", replays,
        "--reason", "UNKNOWN_SCHEMA", "--reason", "SCHEMA_VIOLATION", "--to", beforeReplays.toString(), "--yes"};

    // 3. A dry run sends nothing; the replay brings each of the 1,000 to enriched once.
    assertThat(ReplayMain.execute(concat(common, "--dry-run"))).isZero();
    assertThat(endOffset(raw)).isEqualTo(1100);
    assertThat(ReplayMain.execute(common)).as("exit code").isZero();
    Map<String, List<EnrichedEvent>> out = awaitEnriched(enriched, 1000);
    Map<String, List<DeadLetter>> deadAgain = awaitDeadLetters(dead, 1200);
    assertThat(out.keySet()).containsExactlyInAnyOrderElementsOf(unpublished);
    assertThat(out.values()).as("each event enriched exactly once").allSatisfy(l -> assertThat(l).hasSize(1));
    Set<String> replayIds = out.values().stream().map(l -> l.get(0).getRaw().getMetadata().getReplayId())
        .collect(Collectors.toSet());
    assertThat(replayIds).hasSize(1).allSatisfy(r -> assertThat(r).hasSize(36));
    String replayId = replayIds.iterator().next();
    // Still breaking their schema: dead-lettered again, once, with the new dead letter marked.
    assertThat(broken).allSatisfy(e -> {
      assertThat(deadAgain.get(e)).hasSize(2);
      assertThat(deadAgain.get(e).get(1).getReason()).isEqualTo(ReasonCode.SCHEMA_VIOLATION);
      assertThat(deadAgain.get(e).get(1).getMetadata().getReplayId()).isEqualTo(replayId);
    });
    assertThat(unpublished).allSatisfy(e -> assertThat(deadAgain.get(e)).hasSize(1));
    Map<String, ReplayRecord> recorded = replayRecords(replays);
    assertThat(recorded).hasSize(1100);
    assertThat(recorded.values()).allSatisfy(r -> assertThat(r.getReplayId()).isEqualTo(replayId));

    // ... and in both stores, marked: one Elasticsearch document per id (its document id), one Parquet row.
    Map<String, List<Doc>> docs = awaitDocs(unpublished, replayId);
    assertThat(docs.keySet()).containsExactlyInAnyOrderElementsOf(unpublished);
    assertThat(docs.values()).as("one document per event id").allSatisfy(l -> assertThat(l).hasSize(1));
    assertThat(docs.values()).allSatisfy(l -> {
      assertThat(l.get(0).id()).isEqualTo(l.get(0).eventId());
      assertThat(l.get(0).replayId()).isEqualTo(replayId);
    });
    Map<String, List<String>> rows = awaitParquet(unpublished, replayId);
    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(unpublished);
    assertThat(rows.values()).as("one Parquet row per event id, marked")
        .allSatisfy(l -> assertThat(l).containsExactly(replayId));

    // 4. The same replay again is refused: nothing is written anywhere.
    long rawEnd = endOffset(raw);
    long replaysEnd = endOffset(replays);
    assertThat(ReplayMain.execute(common)).isZero();
    assertThat(endOffset(raw)).isEqualTo(rawEnd);
    assertThat(endOffset(replays)).isEqualTo(replaysEnd);

    // 5. Forced: every dead letter is re-submitted again and every event is still enriched. The
    // enriched topic now holds each id twice, each marked with its run; Elasticsearch keeps one
    // document per id (the later one), the Parquet files one row per enriched record, which the
    // curation job reduces to one row per event id.
    assertThat(ReplayMain.execute(concat(common, "--force"))).isZero();
    assertThat(readAll(raw)).as("the raw topic's records (commit markers aside)").hasSize(3 * 1100);
    Map<String, List<EnrichedEvent>> forced = awaitEnriched(enriched, 2000);
    assertThat(forced.keySet()).containsExactlyInAnyOrderElementsOf(unpublished);
    assertThat(forced.values()).allSatisfy(l -> assertThat(l).hasSize(2));
    assertThat(forced.values()).allSatisfy(l -> assertThat(l.get(1).getRaw().getMetadata().getReplayId())
        .isNotEqualTo(replayId).hasSize(36));
    assertThat(replayRecords(replays).values()).allSatisfy(r -> assertThat(r.getForced()).isTrue());
    String forcedId = forced.values().iterator().next().get(1).getRaw().getMetadata().getReplayId();
    Map<String, List<Doc>> afterForce = awaitDocs(unpublished, forcedId);
    assertThat(afterForce.keySet()).containsExactlyInAnyOrderElementsOf(unpublished);
    assertThat(afterForce.values()).as("still one document per event id, now the forced run's")
        .allSatisfy(l -> {
          assertThat(l).hasSize(1);
          assertThat(l.get(0).id()).isEqualTo(l.get(0).eventId());
          assertThat(l.get(0).replayId()).isEqualTo(forcedId);
        });
    Map<String, List<String>> rowsAfterForce = awaitParquet(unpublished, forcedId);
    assertThat(rowsAfterForce.values()).as("one row per enriched record, each marked with its run")
        .allSatisfy(l -> assertThat(l).containsExactlyInAnyOrder(replayId, forcedId));
  }

  @Test
  @Order(2)
  void enrichmentUnavailableDeadLettersAreReplayedOnceTheApiIsBack() throws Exception {
    // 1. The API goes down; the enricher dead-letters what it cannot enrich once the outage passes 2 s.
    api.close();
    List<String> stranded = produce(raw, "1-0-0", "{\"plan\":\"free\"}", 1000, "shop-outage");
    Map<String, List<DeadLetter>> unavailable = awaitEach(dead, stranded, DeadLetter::parseFrom,
        DeadLetter::getEventId, d -> true);
    assertThat(unavailable.values()).allSatisfy(l -> {
      assertThat(l).hasSize(1);
      assertThat(l.get(0).getReason()).isEqualTo(ReasonCode.ENRICHMENT_UNAVAILABLE);
    });

    // 2. It is back. The operator waits until the enricher enriches again (its idle channel may still
    // be in its reconnect backoff; each task leaves its outage at its first answered call), then replays.
    api = EnrichmentApi.start(apiPort);
    Instant back = Instant.now();
    awaitEnrichingAgain();
    assertThat(ReplayMain.execute("--bootstrap-servers", kafka.bootstrapServers(), "--stage", "enricher",
        "--enricher-dead-letter-topic", dead, "--raw-topic", raw, "--replays-topic", replays,
        "--reason", "ENRICHMENT_UNAVAILABLE", "--to", back.toString(), "--yes")).as("exit code").isZero();

    // 3. Each is enriched exactly once, marked, and not dead-lettered again.
    Map<String, List<EnrichedEvent>> out = awaitEach(enriched, stranded, EnrichedEvent::parseFrom,
        e -> e.getRaw().getEvent().getEventId(), e -> true);
    assertThat(out.keySet()).containsExactlyInAnyOrderElementsOf(stranded);
    assertThat(out.values()).as("each event enriched exactly once").allSatisfy(l -> assertThat(l).hasSize(1));
    Set<String> replayIds = out.values().stream().map(l -> l.get(0).getRaw().getMetadata().getReplayId())
        .collect(Collectors.toSet());
    assertThat(replayIds).hasSize(1).allSatisfy(r -> assertThat(r).hasSize(36));
    Map<String, List<DeadLetter>> deadAfter = byId(dead, stranded, DeadLetter::parseFrom, DeadLetter::getEventId);
    assertThat(deadAfter.values()).as("no new dead letter").allSatisfy(l -> assertThat(l).hasSize(1));
    Map<String, List<Doc>> docs = awaitDocs(stranded, replayIds.iterator().next());
    assertThat(docs.values()).as("one document per event id").allSatisfy(l -> assertThat(l).hasSize(1));
  }

  @Test
  @Order(3)
  void collectorDeadLettersAreResubmittedThroughTheCollectorsOwnChecks() throws Exception {
    // 1. The collector refuses page URLs over 64 characters: 40 of 100 characters, 10 of 300.
    List<String> fixable = ids(40);
    List<String> tooLong = ids(10);
    try (CollectorApplication.Running strict = collector(64)) {
      List<String> events = new ArrayList<>();
      fixable.forEach(e -> events.add(restEvent(e, 100)));
      tooLong.forEach(e -> events.add(restEvent(e, 300)));
      HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + strict.httpPort() + "/v1/events"))
          .header("Content-Type", "application/json").header(WireNames.WRITE_KEY_HTTP_HEADER, WRITE_KEY)
          .POST(HttpRequest.BodyPublishers.ofString("[" + String.join(",", events) + "]")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(answer.body()).get("rejected").asInt()).isEqualTo(50);
    }
    // A 2xx means every record of the request is in Kafka: nothing to wait for on the collector's topics.
    List<String> all = concat(fixable, tooLong);
    Map<String, List<DeadLetter>> refused = byId(collectorDead, all, DeadLetter::parseFrom, DeadLetter::getEventId);
    assertThat(refused.keySet()).containsExactlyInAnyOrderElementsOf(all);
    assertThat(refused.values()).allSatisfy(l -> assertThat(l).singleElement()
        .satisfies(d -> assertThat(d.getReason()).isEqualTo(ReasonCode.INVALID_FIELD)));

    // 2. The operator raises the limit to 256 and restarts the collector, then replays through it.
    try (CollectorApplication.Running fixed = collector(256)) {
      assertThat(ReplayMain.execute("--bootstrap-servers", kafka.bootstrapServers(), "--stage", "collector",
          "--collector-dead-letter-topic", collectorDead, "--collector-url", "http://127.0.0.1:" + fixed.httpPort(),
          "--write-key", WRITE_KEY, "--replays-topic", replays, "--reason", "INVALID_FIELD", "--yes"))
          .as("exit code").isZero();

      // 3. The 40 are on the raw topic once each, marked in the value and the header; the 10 still
      // over the limit are dead-lettered again, once, marked. (The run wrote each replay record after
      // the collector's 2xx: they are all there.)
      Set<String> wanted = Set.copyOf(fixable);
      Map<String, List<ConsumerRecord<String, byte[]>>> onRaw = readAll(raw).stream()
          .filter(r -> wanted.contains(r.key())).collect(Collectors.groupingBy(ConsumerRecord::key));
      assertThat(onRaw.keySet()).containsExactlyInAnyOrderElementsOf(fixable);
      assertThat(onRaw.values()).as("each accepted once").allSatisfy(l -> assertThat(l).hasSize(1));
      String replayId = header(onRaw.get(fixable.get(0)).get(0), WireNames.HEADER_REPLAY_ID);
      assertThat(replayId).hasSize(36);
      for (List<ConsumerRecord<String, byte[]>> l : onRaw.values()) {
        assertThat(header(l.get(0), WireNames.HEADER_REPLAY_ID)).isEqualTo(replayId);
        RawEvent event = RawEvent.parseFrom(l.get(0).value());
        assertThat(event.getMetadata().getReplayId()).isEqualTo(replayId);
        assertThat(event.getEvent().getContext().getPageUrl()).hasSize(100);
      }
      Map<String, List<DeadLetter>> again = byId(collectorDead, tooLong, DeadLetter::parseFrom, DeadLetter::getEventId);
      assertThat(again.keySet()).containsExactlyInAnyOrderElementsOf(tooLong);
      assertThat(again.values()).allSatisfy(l -> {
        assertThat(l).hasSize(2);
        assertThat(l.get(1).getReason()).isEqualTo(ReasonCode.INVALID_FIELD);
        assertThat(l.get(1).getMetadata().getReplayId()).isEqualTo(replayId);
      });
      assertThat(byId(collectorDead, fixable, DeadLetter::parseFrom, DeadLetter::getEventId).values())
          .as("the fixable ones are not dead-lettered again").allSatisfy(l -> assertThat(l).hasSize(1));
      assertThat(replayRecords(replays).values()).filteredOn(r -> r.getReplayId().equals(replayId)).hasSize(50);

      // 4. Downstream as any event: enriched once, one document each, marked.
      Map<String, List<EnrichedEvent>> out = awaitEach(enriched, fixable, EnrichedEvent::parseFrom,
          e -> e.getRaw().getEvent().getEventId(), e -> true);
      assertThat(out.values()).allSatisfy(l -> assertThat(l).singleElement()
          .satisfies(e -> assertThat(e.getRaw().getMetadata().getReplayId()).isEqualTo(replayId)));
      assertThat(awaitDocs(fixable, replayId).values()).allSatisfy(l -> assertThat(l).hasSize(1));
    }
  }

  // --- the pipeline's edges ---------------------------------------------------------------------

  private CollectorApplication.Running collector(int maxFieldChars) {
    return CollectorApplication.start(Map.of(
        "server.port", "0",
        "millrace.collector.grpc.port", "0",
        "millrace.collector.instance-id", "replay-it-collector",
        "millrace.collector.write-keys." + WRITE_KEY_ID, WriteKeys.hash(WRITE_KEY),
        "millrace.collector.topics.raw", raw,
        "millrace.collector.topics.dead-letter", collectorDead,
        "millrace.collector.kafka.bootstrap.servers", kafka.bootstrapServers(),
        "millrace.collector.limits.max-field-chars", String.valueOf(maxFieldChars),
        "server.shutdown", "immediate"));
  }

  private static String restEvent(String eventId, int pageUrlChars) {
    String url = "https://shop.example/" + "p".repeat(pageUrlChars - "https://shop.example/".length());
    return "{\"event_id\":\"" + eventId + "\",\"event_type\":\"plan_changed\",\"schema_version\":\"1-0-0\","
        + "\"occurred_at\":\"" + Instant.now().minusSeconds(5) + "\",\"source\":\"shop-collector\","
        + "\"context\":{\"user_id\":\"u-1\",\"page_url\":\"" + url + "\"},\"payload\":{\"plan\":\"free\"}}";
  }

  /**
   * Sends one valid event to each raw partition until both are enriched: a partition's task leaves
   * its outage only at an answered call, and a call made before the channel reconnects (it does
   * right after a failed call) is still past the bound. A probe dead-lettered meanwhile failed after
   * {@code back}: no replay selects it.
   */
  private void awaitEnrichingAgain() throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (int partition = 0; partition < 2; partition++) {
      while (true) {
        String probe = UUID.randomUUID().toString();
        try (KafkaProducer<String, byte[]> producer = producer()) {
          producer.send(new ProducerRecord<>(raw, partition, probe, rawEvent(probe, "1-0-0", "{\"plan\":\"free\"}",
              "probe", 0).toByteArray())).get();
        }
        Map<String, List<EnrichedEvent>> out = Map.of();
        Map<String, List<DeadLetter>> failed = Map.of();
        while (out.isEmpty() && failed.isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(200);
          out = byId(enriched, List.of(probe), EnrichedEvent::parseFrom, e -> e.getRaw().getEvent().getEventId());
          failed = byId(dead, List.of(probe), DeadLetter::parseFrom, DeadLetter::getEventId);
        }
        if (!out.isEmpty()) {
          break;
        }
        if (System.nanoTime() >= deadline) {
          throw new AssertionError("the enricher did not enrich again within " + WAIT);
        }
      }
    }
  }

  /** One Elasticsearch document: its {@code _id}, {@code event_id} and {@code metadata.replay_id}. */
  private record Doc(String id, String eventId, String replayId) {}

  /** Waits until every id has a document with {@code replayId}; returns every document of those ids. */
  private Map<String, List<Doc>> awaitDocs(Collection<String> ids, String replayId) throws Exception {
    return awaitUntil("documents of " + ids.size() + " events with replay id " + replayId, this::documents,
        byId -> ids.stream().allMatch(e -> byId.getOrDefault(e, List.of()).stream()
            .anyMatch(d -> d.replayId().equals(replayId))), ids, false);
  }

  /** Every document of the events alias by event id (a search of every index behind it). */
  private Map<String, List<Doc>> documents() throws Exception {
    String base = elasticsearch.url() + "/" + eventsAlias;
    HttpResponse<String> refreshed = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/_refresh"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    if (refreshed.statusCode() == 404) {
      return Map.of(); // no document yet: the loader creates the index with the first one
    }
    HttpResponse<String> found = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/_search"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"size\":10000,\"query\":{\"match_all\":{}},\"_source\":[\"event_id\",\"metadata.replay_id\"]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    if (found.statusCode() != 200) {
      throw new IllegalStateException("search answered " + found.statusCode() + ": " + found.body());
    }
    JsonNode hits = JSON.readTree(found.body()).at("/hits/hits");
    Map<String, List<Doc>> byId = new HashMap<>();
    for (JsonNode hit : hits) {
      JsonNode source = hit.get("_source");
      Doc doc = new Doc(hit.get("_id").asString(), source.get("event_id").asString(),
          source.at("/metadata/replay_id").isMissingNode() ? "" : source.at("/metadata/replay_id").asString());
      byId.computeIfAbsent(doc.eventId(), k -> new ArrayList<>()).add(doc);
    }
    return byId;
  }

  /** Waits until every id has a Parquet row with {@code replayId}; returns the replay ids of each id's rows. */
  private Map<String, List<String>> awaitParquet(Collection<String> ids, String replayId) throws Exception {
    return awaitUntil("Parquet rows of " + ids.size() + " events with replay id " + replayId, this::parquetRows,
        byId -> ids.stream().allMatch(e -> byId.getOrDefault(e, List.of()).contains(replayId)), ids, true);
  }

  /** One Parquet row: its event id and replay id ("" when the column is null). */
  private record Row(String eventId, String replayId) {}

  /**
   * The replay id of every row of every Parquet file in the bucket, by event id, read with
   * parquet-java's example object model (a path that shares nothing with the loader's writer but
   * the format). Objects are immutable: each is downloaded once.
   */
  private Map<String, List<String>> parquetRows() throws Exception {
    try (MinioClient minio = MinioClient.builder().endpoint(s3.endpoint()).region(s3.region())
        .credentials(s3.accessKey(), s3.secretKey()).build()) {
      for (Result<Item> r : minio.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
        String key = r.get().objectName();
        if (!key.endsWith(".parquet") || parquetFiles.containsKey(key)) {
          continue;
        }
        Path file = tmp.resolve("download-" + parquetFiles.size() + ".parquet");
        minio.downloadObject(DownloadObjectArgs.builder().bucket(bucket).object(key).filename(file.toString()).build());
        List<Row> rows = new ArrayList<>();
        try (ParquetReader<Group> reader = new GroupReader(file).build()) {
          for (Group g = reader.read(); g != null; g = reader.read()) {
            rows.add(new Row(g.getString("event_id", 0),
                g.getFieldRepetitionCount("replay_id") == 0 ? "" : g.getString("replay_id", 0)));
          }
        }
        Files.delete(file);
        parquetFiles.put(key, rows);
      }
    }
    return parquetFiles.values().stream().flatMap(List::stream)
        .collect(Collectors.groupingBy(Row::eventId, Collectors.mapping(Row::replayId, Collectors.toList())));
  }

  private static final class GroupReader extends ParquetReader.Builder<Group> {
    GroupReader(Path file) {
      super(new LocalInputFile(file), new PlainParquetConfiguration());
    }

    @Override
    protected ReadSupport<Group> getReadSupport() {
      return new GroupReadSupport();
    }
  }

  private interface Source<T> {
    Map<String, List<T>> read() throws Exception;
  }

  /**
   * Reads {@code source} until {@code done}, within {@link #WAIT}; returns what it holds for
   * {@code ids}, read once more a moment later when {@code settle}, so that anything written twice
   * is seen (not needed where a second copy cannot come later, e.g. Elasticsearch's document id).
   */
  private <T> Map<String, List<T>> awaitUntil(String what, Source<T> source, Predicate<Map<String, List<T>>> done,
                                              Collection<String> ids, boolean settle) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Map<String, List<T>> read = Map.of();
    while (true) {
      try {
        read = source.read();
      } catch (Exception e) {
        // a store still starting: try again
      }
      if (done.test(read)) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + WAIT + " waiting for " + what);
      }
      Thread.sleep(500);
    }
    if (settle) {
      Thread.sleep(1500);
      read = source.read();
    }
    Map<String, List<T>> again = read;
    Map<String, List<T>> kept = new HashMap<>();
    ids.forEach(e -> {
      if (again.containsKey(e)) {
        kept.put(e, again.get(e));
      }
    });
    return kept;
  }

  // --- topics ------------------------------------------------------------------------------------

  private static List<String> ids(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(UUID.randomUUID().toString());
    }
    return ids;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static String[] concat(String[] a, String b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + 1);
    all[a.length] = b;
    return all;
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private KafkaProducer<String, byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /** An event of plan_changed at {@code version}, as the collector writes it (received now). */
  private static RawEvent rawEvent(String eventId, String version, String payload, String source, int i) {
    Instant now = Instant.now();
    return RawEvent.newBuilder()
        .setEvent(Event.newBuilder().setEventId(eventId).setEventType("plan_changed").setSchemaVersion(version)
            .setSource(source).setPayloadJson(payload)
            .setContext(Context.newBuilder().setUserAgent("Mozilla/5.0").setUserId("u-" + i)))
        .setMetadata(CollectorMetadata.newBuilder().setRequestId("req-" + i).setWriteKeyId("shop")
            .setReceivedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
            .setClientIp("203.0.113.7").setTransport(Transport.TRANSPORT_REST))
        .build();
  }

  /** Produces {@code n} events of plan_changed at {@code version}; returns their ids. */
  private List<String> produce(String topic, String version, String payload, int n, String source) {
    List<String> ids = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer = producer()) {
      for (int i = 0; i < n; i++) {
        String eventId = UUID.randomUUID().toString();
        ids.add(eventId);
        producer.send(new ProducerRecord<>(topic, eventId,
            rawEvent(eventId, version, payload, source, i).toByteArray()));
      }
    }
    return ids;
  }

  private Map<String, List<DeadLetter>> awaitDeadLetters(String topic, int expected) throws Exception {
    return await(topic, expected, DeadLetter::parseFrom, DeadLetter::getEventId);
  }

  private Map<String, List<EnrichedEvent>> awaitEnriched(String topic, int expected) throws Exception {
    return await(topic, expected, EnrichedEvent::parseFrom, e -> e.getRaw().getEvent().getEventId());
  }

  private Map<String, ReplayRecord> replayRecords(String topic) throws Exception {
    Map<String, ReplayRecord> latest = new HashMap<>();
    readAll(topic).forEach(r -> {
      try {
        latest.put(r.key(), ReplayRecord.parseFrom(r.value()));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    return latest;
  }

  private interface Parser<T> {
    T parse(byte[] bytes) throws Exception;
  }

  /**
   * Every record of {@code topic} by event id, in offset order per id, once {@code expected}
   * arrived, and after a few more seconds to catch any extra.
   */
  private <T> Map<String, List<T>> await(String topic, int expected, Parser<T> parser,
                                         Function<T, String> eventId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<ConsumerRecord<String, byte[]>> records = readAll(topic);
    while (records.size() < expected && System.nanoTime() < deadline) {
      Thread.sleep(250);
      records = readAll(topic);
    }
    Thread.sleep(1500);
    records = readAll(topic);
    Map<String, List<T>> byId = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : sorted(records)) {
      T value = parser.parse(r.value());
      byId.computeIfAbsent(eventId.apply(value), k -> new ArrayList<>()).add(value);
    }
    assertThat(records).as(topic).hasSize(expected);
    return byId;
  }

  /**
   * The records of {@code topic} of the given events, by event id in offset order per id, once each
   * has one that {@code counted} accepts (and a moment later, to catch any extra).
   */
  private <T> Map<String, List<T>> awaitEach(String topic, Collection<String> ids, Parser<T> parser,
                                             Function<T, String> eventId, Predicate<T> counted) throws Exception {
    return awaitUntil(ids.size() + " events on " + topic, () -> byId(topic, ids, parser, eventId),
        byId -> ids.stream().allMatch(e -> byId.getOrDefault(e, List.of()).stream().anyMatch(counted)), ids, true);
  }

  /** The records of {@code topic} of the given events, by event id in offset order per id. */
  private <T> Map<String, List<T>> byId(String topic, Collection<String> ids, Parser<T> parser,
                                        Function<T, String> eventId) throws Exception {
    Set<String> wanted = Set.copyOf(ids);
    Map<String, List<T>> byId = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : sorted(readAll(topic))) {
      T value = parser.parse(r.value());
      if (wanted.contains(eventId.apply(value))) {
        byId.computeIfAbsent(eventId.apply(value), k -> new ArrayList<>()).add(value);
      }
    }
    return byId;
  }

  private static List<ConsumerRecord<String, byte[]>> sorted(List<ConsumerRecord<String, byte[]>> records) {
    return records.stream().sorted((a, b) -> Long.compare(a.offset(), b.offset())).toList();
  }

  private List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> tps = consumer.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
      Predicate<TopicPartition> done = tp -> consumer.position(tp) >= end.get(tp);
      while (!tps.stream().allMatch(done)) {
        consumer.poll(Duration.ofMillis(200)).forEach(all::add);
      }
      return all;
    }
  }

  private long endOffset(String topic) {
    try (KafkaConsumer<String, byte[]> consumer = consumer()) {
      List<TopicPartition> tps = consumer.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      // read_committed: the last stable offset, so an open or aborted transaction's records do not count
      return consumer.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private KafkaConsumer<String, byte[]> consumer() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }
}
