package dev.millrace.enricher.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.enricher.EnricherApplication;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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
 * The enricher on a real Kafka broker with the real enrichment API (in this JVM, over TCP): every
 * raw record ends up exactly once enriched or dead-lettered, also through an API outage and a crash.
 */
@ExtendWith(LocalStackExtension.class)
class EnricherIT {

  private static final int EVENTS = 10_000;
  private static final int PARTITIONS = 3;

  private final KafkaServer kafka;
  @TempDir
  Path stateDir;

  EnricherIT(KafkaServer kafka) {
    this.kafka = kafka;
  }

  /** Topic names and application id of one test, so tests never see each other's records. */
  private record Run(String id, String raw, String enriched, String deadLetter) {
    static Run create(KafkaServer kafka) {
      String id = UUID.randomUUID().toString().substring(0, 8);
      Run run = new Run(id, "raw-" + id, "enriched-" + id, "dead-letter-" + id);
      kafka.createTopics(PARTITIONS, run.raw, run.enriched, run.deadLetter);
      return run;
    }
  }

  private static EnrichmentApi startEnrichmentApi(int port) {
    return EnrichmentApi.start(port);
  }

  private static List<String> with(List<String> args, String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    return all;
  }

  private List<String> enricherArgs(Run run, int apiPort) {
    return List.of(
        "--server.port=0",
        "--millrace.enricher.application-id=enricher-it-" + run.id,
        "--millrace.enricher.bootstrap-servers=" + kafka.bootstrapServers(),
        "--millrace.enricher.topics.raw=" + run.raw,
        "--millrace.enricher.topics.enriched=" + run.enriched,
        "--millrace.enricher.topics.dead-letter=" + run.deadLetter,
        "--millrace.enricher.enrichment.target=127.0.0.1:" + apiPort,
        "--millrace.enricher.enrichment.backoff-max=1s",
        "--millrace.enricher.streams.state-dir=" + stateDir,
        // A killed instance's partitions move as soon as the broker notices, not after 45 s.
        "--millrace.enricher.kafka.session.timeout.ms=6000",
        "--millrace.enricher.kafka.heartbeat.interval.ms=1000");
  }

  private static ConfigurableApplicationContext startEnricher(List<String> args) {
    return EnricherApplication.builder().run(args.toArray(String[]::new));
  }

  /** Produces every item, spread over {@code over} so that faults can land mid-run. */
  private Thread produce(String topic, List<MixedEvents.Item> items, Duration over) {
    Thread t = new Thread(() -> {
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
      try (KafkaProducer<String, byte[]> producer =
               new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
        int slices = 50;
        int per = (items.size() + slices - 1) / slices;
        for (int s = 0; s < slices; s++) {
          for (MixedEvents.Item item : items.subList(Math.min(items.size(), s * per),
              Math.min(items.size(), (s + 1) * per))) {
            producer.send(new ProducerRecord<>(topic, item.key(), item.value()));
          }
          producer.flush();
          Thread.sleep(over.toMillis() / slices);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "raw-producer");
    t.start();
    return t;
  }

  private Outcomes outcomes(Run run, List<MixedEvents.Item> items) {
    return new Outcomes(kafka.bootstrapServers(), run.enriched, run.deadLetter, PARTITIONS,
        MixedEvents.idsByValue(items));
  }

  /** Every produced event ends up exactly once, on the topic and with the reason its kind demands. */
  private static void assertExactlyOnce(List<MixedEvents.Item> items, Outcomes outcomes) {
    assertThat(outcomes.duplicates()).as("event ids written more than once").isEmpty();
    assertThat(outcomes.total()).as("enriched + dead-lettered").isEqualTo(items.size());
    Map<String, MixedEvents.Item> byKey = MixedEvents.byId(items);
    assertThat(outcomes.enriched.keySet())
        .containsExactlyInAnyOrderElementsOf(items.stream().filter(MixedEvents.Item::enriched)
            .map(MixedEvents.Item::id).toList());
    Map<ReasonCode, Long> expected = items.stream().filter(i -> !i.enriched())
        .collect(Collectors.groupingBy(MixedEvents.Item::expected, Collectors.counting()));
    Map<ReasonCode, Long> actual = outcomes.deadLetters.values().stream()
        .collect(Collectors.groupingBy(d -> d.getReason(), Collectors.counting()));
    assertThat(actual).isEqualTo(expected);
    outcomes.deadLetters.forEach((key, dl) ->
        assertThat(dl.getReason()).as("reason of %s", key).isEqualTo(byKey.get(key).expected()));
  }

  /**
   * A record keyed by the user id is enriched under the user id's pseudonym (the real API's HMAC,
   * the same for every event of the user), one keyed by its event id under it; dead letters are
   * keyed by the event id, or by their source offset when undecodable. The raw user id is no key.
   */
  private static void assertKeysCarryNoPii(List<MixedEvents.Item> items, Outcomes outcomes) {
    Map<String, MixedEvents.Item> byId = MixedEvents.byId(items);
    assertThat(outcomes.enrichedKeys).allSatisfy((id, key) -> {
      if (byId.get(id).keyedByUser()) {
        assertThat(key).isEqualTo(outcomes.enrichedEvents.get(id).getRaw().getEvent().getContext().getUserId());
      } else {
        assertThat(key).isEqualTo(id);
      }
    });
    assertThat(outcomes.enrichedKeys.entrySet().stream().filter(e -> byId.get(e.getKey()).keyedByUser())
        .map(Map.Entry::getValue).distinct().toList()).as("one user, one key").hasSize(1);
    assertThat(outcomes.deadLetterKeys).allSatisfy((id, key) -> {
      if (byId.get(id).expected() == ReasonCode.UNDECODABLE) {
        DeadLetter dl = outcomes.deadLetters.get(id);
        assertThat(key).isEqualTo(dl.getSourceTopic() + "-" + dl.getSourcePartition() + "@" + dl.getSourceOffset());
      } else {
        assertThat(key).isEqualTo(id);
      }
    });
    assertThat(outcomes.enrichedKeys.values()).doesNotContain(MixedEvents.USER_ID);
    assertThat(outcomes.deadLetterKeys.values()).doesNotContain(MixedEvents.USER_ID);
  }

  @Test
  void tenThousandMixedEventsEndUpExactlyOnceEnrichedOrDeadLettered() throws Exception {
    Run run = Run.create(kafka);
    List<MixedEvents.Item> items = MixedEvents.generate(EVENTS, run.id);
    try (EnrichmentApi api = startEnrichmentApi(0);
         Outcomes outcomes = outcomes(run, items);
         // With the result cache on (it is off by default), so its path and metric are covered too.
         ConfigurableApplicationContext enricher = startEnricher(with(enricherArgs(run, api.port()),
             "--millrace.enricher.enrichment.cache-max-entries=10000"))) {
      String base = "http://127.0.0.1:" + enricher.getEnvironment().getProperty("local.server.port");
      produce(run.raw, items, Duration.ZERO).join();
      outcomes.awaitTotal(EVENTS, Duration.ofSeconds(120));

      assertExactlyOnce(items, outcomes);
      assertKeysCarryNoPii(items, outcomes);
      // The enriched topic carries no PII: the user id and the client IP were replaced.
      assertThat(outcomes.enrichedEvents.values()).allSatisfy(e -> {
        assertThat(e.getRaw().getEvent().getContext().getUserId()).isNotEqualTo("user-1234");
        assertThat(e.getRaw().getMetadata().getClientIp()).isNotEqualTo("198.51.100.23");
        assertThat(e.getEnrichment().getEnrichmentVersion()).isNotEmpty();
      });

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health/readiness")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains("RUNNING");
      String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).containsPattern("millrace_enricher_dead_letters_total\\{[^}]*reason=\"UNDECODABLE\"[^}]*} 500.0")
          .contains("millrace_enricher_records_enriched_total")
          .contains("millrace_enricher_enrichment_batch_size_records_count")
          .contains("millrace_enricher_cache_hit_ratio")
          .contains("records_lag");
    }
  }

  @Test
  void anEnrichmentApiOutageOfTenSecondsLosesNothingAndDeadLettersNothingUnderWait() throws Exception {
    Run run = Run.create(kafka);
    List<MixedEvents.Item> items = MixedEvents.generate(EVENTS, run.id);
    EnrichmentApi api = startEnrichmentApi(0);
    int port = api.port();
    try (Outcomes outcomes = outcomes(run, items);
         ConfigurableApplicationContext enricher = startEnricher(enricherArgs(run, port))) {
      Thread producer = produce(run.raw, items, Duration.ofSeconds(12));
      awaitEnriched(outcomes, 1500, Duration.ofSeconds(60));
      api.close();
      int atStop = outcomes.enrichedCount();
      Thread.sleep(10_000);
      assertThat(outcomes.enrichedCount() - atStop).as("nothing is enriched while the API is down")
          .isLessThan(EVENTS / 5); // only batches answered just before the stop may still commit
      assertThat(outcomes.deadLetters.values()).noneMatch(d -> d.getReason() == ReasonCode.ENRICHMENT_UNAVAILABLE);
      api = startEnrichmentApi(port);
      producer.join();
      outcomes.awaitTotal(EVENTS, Duration.ofSeconds(120));

      assertExactlyOnce(items, outcomes);
    } finally {
      api.close();
    }
  }

  @Test
  void anEnricherKilledMidRunAndStartedAgainLosesAndDuplicatesNothing() throws Exception {
    Run run = Run.create(kafka);
    List<MixedEvents.Item> items = MixedEvents.generate(EVENTS, run.id);
    try (EnrichmentApi api = startEnrichmentApi(0);
         Outcomes outcomes = outcomes(run, items)) {
      List<String> args = new ArrayList<>(enricherArgs(run, api.port()));
      // Batches that fill slowly keep records in the pending store across many commits, so the
      // kill is sure to leave committed-but-unsent records behind: the case the store exists for.
      args.add("--millrace.enricher.enrichment.linger=3s");
      args.add("--millrace.enricher.enrichment.batch-size=2000");
      Thread producer = produce(run.raw, items, Duration.ofSeconds(15));
      Process first = startChild(args, "first");
      try {
        awaitEnriched(outcomes, 2000, Duration.ofSeconds(90));
        // SIGKILL: no commit, no flush, no leaving the group; an open transaction is left behind.
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      } finally {
        first.destroyForcibly();
      }
      assertThat(outcomes.total()).as("killed mid-run").isLessThan(EVENTS);
      Process second = startChild(args, "second");
      try {
        producer.join();
        outcomes.awaitTotal(EVENTS, Duration.ofSeconds(150));
      } finally {
        second.destroy();
        if (!second.waitFor(30, TimeUnit.SECONDS)) {
          second.destroyForcibly();
        }
      }
      assertExactlyOnce(items, outcomes);
      assertThat(Files.readString(Path.of("target", "enricher-it-child-second.log")))
          .as("the restarted enricher found records the killed one had committed as pending")
          .contains("restored from the changelog");
    }
  }

  /** The enricher service in its own JVM, so it can be killed for real. */
  private static Process startChild(List<String> args, String name) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(EnricherApplication.class.getName());
    command.addAll(args);
    File log = Path.of("target", "enricher-it-child-" + name + ".log").toFile();
    Files.createDirectories(log.toPath().getParent());
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
  }

  private static void awaitEnriched(Outcomes outcomes, int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (outcomes.enrichedCount() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + outcomes.enrichedCount() + " enriched after " + timeout);
      }
      Thread.sleep(50);
    }
  }
}
