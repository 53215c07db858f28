package dev.millrace.enricher.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.enricher.EnricherApplication;
import dev.millrace.enricher.Events;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.localstack.S3Server;
import dev.millrace.proto.v1.ReasonCode;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Schemas published to an S3 prefix while the enricher runs (real Kafka, real S3 API, the real
 * enrichment API): events of a version not yet published are dead-lettered UNKNOWN_SCHEMA; once it
 * is published and {@code POST /actuator/schemas} refreshes, the same version is enriched without a
 * restart; a broken ADDITION is rejected, reported by the endpoint, and the good versions keep
 * working. Every event is exactly once enriched or dead-lettered throughout.
 */
@ExtendWith(LocalStackExtension.class)
class RuntimeSchemasIT {

  private static final String BUCKET = "schemas";
  private static final String V100 = """
      {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
       "properties": {"plan": {"enum": ["free", "pro"]}}, "required": ["plan"], "additionalProperties": false,
       "examples": [{"plan": "free"}]}""";
  private static final String V101 = """
      {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
       "properties": {"plan": {"enum": ["free", "pro"]}, "seats": {"type": "integer"}}, "required": ["plan"],
       "additionalProperties": false, "examples": [{"plan": "pro", "seats": 3}]}""";
  /** Refuses 1-0-1's example (seats is now a string): not an ADDITION. */
  private static final String V102_BROKEN = """
      {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
       "properties": {"plan": {"enum": ["free", "pro"]}, "seats": {"type": "string"}}, "required": ["plan"]}""";

  private final KafkaServer kafka;
  private final S3Server s3;
  @TempDir
  Path stateDir;

  RuntimeSchemasIT(KafkaServer kafka, S3Server s3) {
    this.kafka = kafka;
    this.s3 = s3;
  }

  @Test
  void aVersionPublishedToS3IsUsedAfterARefreshWithoutARestart() throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 8);
    String raw = "raw-" + id;
    String enriched = "enriched-" + id;
    String dead = "dead-letter-" + id;
    kafka.createTopics(1, raw, enriched, dead);
    s3.createBucket(BUCKET);
    String prefix = "run-" + id + "/";
    MinioClient client = MinioClient.builder().endpoint(s3.endpoint()).region(s3.region())
        .credentials(s3.accessKey(), s3.secretKey()).build();
    put(client, prefix + "plan_changed/1-0-0.json", V100);

    List<String> unknown = new ArrayList<>();
    List<String> known = new ArrayList<>();
    try (EnrichmentApi api = EnrichmentApi.start(0);
         ConfigurableApplicationContext enricher = EnricherApplication.builder().run(
             "--server.port=0",
             "--millrace.enricher.application-id=schemas-it-" + id,
             "--millrace.enricher.bootstrap-servers=" + kafka.bootstrapServers(),
             "--millrace.enricher.topics.raw=" + raw,
             "--millrace.enricher.topics.enriched=" + enriched,
             "--millrace.enricher.topics.dead-letter=" + dead,
             "--millrace.enricher.enrichment.target=127.0.0.1:" + api.port(),
             "--millrace.enricher.streams.state-dir=" + stateDir,
             "--millrace.enricher.schemas.location=s3://" + BUCKET + "/" + prefix,
             "--millrace.enricher.schemas.s3.endpoint=" + s3.endpoint(),
             "--millrace.enricher.schemas.s3.region=" + s3.region(),
             "--millrace.enricher.schemas.s3.access-key=" + s3.accessKey(),
             "--millrace.enricher.schemas.s3.secret-key=" + s3.secretKey(),
             "--millrace.enricher.schemas.refresh-interval=0");
         Outcomes outcomes = new Outcomes(kafka.bootstrapServers(), enriched, dead, 1, Map.of())) {
      String actuator = "http://127.0.0.1:" + enricher.getEnvironment().getProperty("local.server.port")
          + "/actuator/schemas";

      // 1. 1-0-1 is not published yet: its events are UNKNOWN_SCHEMA, 1-0-0's are enriched.
      unknown.addAll(produce(raw, "1-0-1", "{\"plan\":\"pro\",\"seats\":2}", 200));
      known.addAll(produce(raw, "1-0-0", "{\"plan\":\"free\"}", 100));
      outcomes.awaitTotal(300, Duration.ofMinutes(2));
      assertThat(reasons(outcomes)).isEqualTo(Map.of(ReasonCode.UNKNOWN_SCHEMA, 200L));

      // 2. Publish 1-0-1 and a broken 1-0-2; refresh on demand.
      put(client, prefix + "plan_changed/1-0-1.json", V101);
      put(client, prefix + "plan_changed/1-0-2.json", V102_BROKEN);
      HttpResponse<String> refreshed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(actuator))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(refreshed.statusCode()).isEqualTo(200);
      assertThat(refreshed.body()).contains("\"plan_changed\":[\"1-0-0\",\"1-0-1\",\"1-0-2\"]");

      List<String> later = produce(raw, "1-0-1", "{\"plan\":\"pro\",\"seats\":2}", 200);
      List<String> broken = produce(raw, "1-0-2", "{\"plan\":\"pro\",\"seats\":\"two\"}", 50);
      outcomes.awaitTotal(550, Duration.ofMinutes(2));

      assertThat(outcomes.duplicates()).as("event ids written more than once").isEmpty();
      assertThat(outcomes.total()).isEqualTo(550);
      assertThat(outcomes.enriched.keySet()).as("1-0-0 before, 1-0-1 after the refresh")
          .containsExactlyInAnyOrderElementsOf(concat(known, later));
      assertThat(outcomes.deadLetters.keySet()).containsExactlyInAnyOrderElementsOf(concat(unknown, broken));
      assertThat(broken).allSatisfy(e -> assertThat(outcomes.deadLetters.get(e).getMessage())
          .contains("rejected").contains("not an ADDITION of 1-0-1"));

      String listing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(actuator)).GET().build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(listing).contains("\"loaded\":[\"plan_changed/1-0-0\",\"plan_changed/1-0-1\"]")
          .contains("plan_changed/1-0-2").contains("not an ADDITION");
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static Map<ReasonCode, Long> reasons(Outcomes outcomes) {
    return outcomes.deadLetters.values().stream()
        .collect(Collectors.groupingBy(d -> d.getReason(), Collectors.counting()));
  }

  private static void put(MinioClient client, String key, String text) throws Exception {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    client.putObject(PutObjectArgs.builder().bucket(BUCKET).object(key)
        .stream(new ByteArrayInputStream(bytes), (long) bytes.length, -1L).contentType("application/json").build());
  }

  /** Produces {@code n} events of plan_changed at {@code version}; returns their ids. */
  private List<String> produce(String topic, String version, String payload, int n) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    List<String> ids = new ArrayList<>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < n; i++) {
        String eventId = UUID.randomUUID().toString();
        ids.add(eventId);
        producer.send(new ProducerRecord<>(topic, eventId,
            Events.raw(eventId, "plan_changed", version, payload, "Mozilla/5.0").toByteArray()));
      }
    }
    return ids;
  }
}
