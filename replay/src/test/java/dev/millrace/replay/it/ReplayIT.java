package dev.millrace.replay.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.enricher.EnricherApplication;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.ReplayRecord;
import dev.millrace.proto.v1.Transport;
import dev.millrace.replay.ReplayMain;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An operator's day, on real Kafka with the real enricher and enrichment API: 1,000 events of a
 * version nobody published yet are dead-lettered UNKNOWN_SCHEMA, and 100 events that break their
 * schema SCHEMA_VIOLATION; the version is published to the schema directory and refreshed with
 * {@code POST /actuator/schemas} (no restart); {@code millrace replay} brings every one of the
 * 1,000 to enriched exactly once, marked with its replay id, and the 100 are dead-lettered again,
 * once, with it. A second replay is refused and writes nothing; a forced one re-submits them all.
 * Counted by event id on the output topics, read_committed.
 */
@ExtendWith(LocalStackExtension.class)
class ReplayIT {

  private static final String V100 = """
      {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
       "properties": {"plan": {"enum": ["free", "pro"]}}, "required": ["plan"], "additionalProperties": false,
       "examples": [{"plan": "free"}]}""";
  private static final String V101 = """
      {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
       "properties": {"plan": {"enum": ["free", "pro"]}, "seats": {"type": "integer"}}, "required": ["plan"],
       "additionalProperties": false, "examples": [{"plan": "pro", "seats": 3}]}""";

  private final KafkaServer kafka;
  @TempDir
  Path stateDir;
  @TempDir
  Path schemas;

  ReplayIT(KafkaServer kafka) {
    this.kafka = kafka;
  }

  @Test
  void replayBringsEveryDeadLetterToEnrichedOnceRefusesASecondReplayAndForcesAThird() throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 8);
    String raw = "raw-" + id;
    String enriched = "enriched-" + id;
    String dead = "dead-letter-" + id;
    String replays = "replays-" + id;
    kafka.createTopics(2, raw, enriched, dead);
    Files.createDirectories(schemas.resolve("plan_changed"));
    Files.writeString(schemas.resolve("plan_changed/1-0-0.json"), V100);

    try (EnrichmentApi api = EnrichmentApi.start();
         ConfigurableApplicationContext enricher = EnricherApplication.builder().run(
             "--server.port=0",
             "--millrace.enricher.application-id=replay-it-" + id,
             "--millrace.enricher.bootstrap-servers=" + kafka.bootstrapServers(),
             "--millrace.enricher.topics.raw=" + raw,
             "--millrace.enricher.topics.enriched=" + enriched,
             "--millrace.enricher.topics.dead-letter=" + dead,
             "--millrace.enricher.enrichment.target=127.0.0.1:" + api.port(),
             "--millrace.enricher.streams.state-dir=" + stateDir,
             "--millrace.enricher.schemas.location=file:" + schemas,
             "--millrace.enricher.schemas.refresh-interval=0")) {
      // 1. A release sends 1-0-1 before its schema is published; some events break 1-0-0.
      List<String> unpublished = produce(raw, "1-0-1", "{\"plan\":\"pro\",\"seats\":2}", 1000);
      List<String> broken = produce(raw, "1-0-0", "{\"plan\":\"gold\"}", 100);
      Map<String, List<DeadLetter>> deadLetters = awaitDeadLetters(dead, 1100);
      assertThat(deadLetters.keySet()).containsExactlyInAnyOrderElementsOf(concat(unpublished, broken));
      assertThat(unpublished).allSatisfy(e ->
          assertThat(deadLetters.get(e).get(0).getReason()).isEqualTo(ReasonCode.UNKNOWN_SCHEMA));
      assertThat(broken).allSatisfy(e ->
          assertThat(deadLetters.get(e).get(0).getReason()).isEqualTo(ReasonCode.SCHEMA_VIOLATION));

      // 2. Publish 1-0-1 and refresh: no restart.
      Files.writeString(schemas.resolve("plan_changed/1-0-1.json"), V101);
      String actuator = "http://127.0.0.1:" + enricher.getEnvironment().getProperty("local.server.port")
          + "/actuator/schemas";
      assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(actuator))
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

      // 4. The same replay again is refused: nothing is written anywhere.
      long rawEnd = endOffset(raw);
      long replaysEnd = endOffset(replays);
      assertThat(ReplayMain.execute(common)).isZero();
      assertThat(endOffset(raw)).isEqualTo(rawEnd);
      assertThat(endOffset(replays)).isEqualTo(replaysEnd);

      // 5. Forced: every dead letter is re-submitted again and every event is still enriched (an id
      // may now be on the enriched topic twice: Elasticsearch and the curated tables keep one per id).
      assertThat(ReplayMain.execute(concat(common, "--force"))).isZero();
      assertThat(readAll(raw)).as("the raw topic's records (commit markers aside)").hasSize(3 * 1100);
      Map<String, List<EnrichedEvent>> forced = awaitEnriched(enriched, 2000);
      assertThat(forced.keySet()).containsExactlyInAnyOrderElementsOf(unpublished);
      assertThat(forced.values()).allSatisfy(l -> assertThat(l).hasSize(2));
      assertThat(forced.values()).allSatisfy(l -> assertThat(l.get(1).getRaw().getMetadata().getReplayId())
          .isNotEqualTo(replayId).hasSize(36));
      assertThat(replayRecords(replays).values()).allSatisfy(r -> assertThat(r.getForced()).isTrue());
    }
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

  /** Produces {@code n} events of plan_changed at {@code version}, as the collector writes them; returns their ids. */
  private List<String> produce(String topic, String version, String payload, int n) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    List<String> ids = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < n; i++) {
        String eventId = UUID.randomUUID().toString();
        ids.add(eventId);
        RawEvent event = RawEvent.newBuilder()
            .setEvent(Event.newBuilder().setEventId(eventId).setEventType("plan_changed").setSchemaVersion(version)
                .setSource("shop-web").setPayloadJson(payload)
                .setContext(Context.newBuilder().setUserAgent("Mozilla/5.0").setUserId("u-" + i)))
            .setMetadata(CollectorMetadata.newBuilder().setRequestId("req-" + i).setWriteKeyId("shop")
                .setClientIp("203.0.113.7").setTransport(Transport.TRANSPORT_REST))
            .build();
        producer.send(new ProducerRecord<>(topic, eventId, event.toByteArray()));
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
                                         java.util.function.Function<T, String> eventId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<ConsumerRecord<String, byte[]>> records = readAll(topic);
    while (records.size() < expected && System.nanoTime() < deadline) {
      Thread.sleep(250);
      records = readAll(topic);
    }
    Thread.sleep(1500);
    records = readAll(topic);
    Map<String, List<T>> byId = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records.stream().sorted((a, b) -> Long.compare(a.offset(), b.offset()))
        .toList()) {
      T value = parser.parse(r.value());
      byId.computeIfAbsent(eventId.apply(value), k -> new ArrayList<>()).add(value);
    }
    assertThat(records).as(topic).hasSize(expected);
    return byId;
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
