package dev.millrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.localrun.Launcher;
import dev.millrace.localrun.service.Ports;
import dev.millrace.localrun.service.ServicePlans;
import dev.millrace.localrun.watch.ElasticsearchReader;
import dev.millrace.localrun.watch.SearchableWatch;
import dev.millrace.producer.run.Delivery;
import dev.millrace.producer.run.LoadRun;
import dev.millrace.producer.send.EventSender;
import dev.millrace.producer.send.GrpcSender;
import dev.millrace.producer.send.RestSender;
import dev.millrace.producer.traffic.EventMix;
import dev.millrace.producer.traffic.GeneratedEvent;
import dev.millrace.producer.traffic.TrafficGenerator;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.EventStatus;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The whole pipeline as real processes — Kafka, Elasticsearch and S3 from local-stack, the five
 * services from their exec jars, configured by environment variables exactly as {@code ./millrace up}
 * does — fed over REST and gRPC with valid, invalid and resent events, then checked event by event.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
class PipelineEndToEndIT {

  static final int EVENTS = 2000;

  /** What the collector answered for one send of an event. */
  record Answer(GeneratedEvent event, EventResult result, Instant sentAt) {}

  private Path home;
  private Launcher launcher;

  @BeforeAll
  void startThePipeline() throws java.io.IOException {
    // Under target/, not /tmp: the logs outlive the run for reading, and `mvn clean` removes them.
    home = Path.of(System.getProperty("millrace.e2e.home", "target/e2e-run")).toAbsolutePath();
    Files.createDirectories(home);
    Path repo = Path.of(System.getProperty("millrace.repo", "..")).toAbsolutePath().normalize();
    launcher = Launcher.start(new Launcher.Options(repo, home, Ports.Choice.FREE, Duration.ofMinutes(4), "5s"),
        System.out);
  }

  @AfterAll
  void stopThePipeline() throws java.io.IOException {
    if (launcher != null) launcher.close();
    System.out.println("e2e: service logs in " + home.resolve("logs"));
  }

  @Test
  void everyEventTheCollectorAnsweredIsAccountedForByIdInElasticsearchAndOnS3(@TempDir Path parquet) throws Exception {
    ElasticsearchReader es = new ElasticsearchReader(launcher.infra().elasticsearchUrl());
    SearchableWatch searchable = new SearchableWatch(launcher.infra().elasticsearchUrl());

    // 1. Send: half the batches over REST (gzip), half over gRPC; 3% broken, 2% resent.
    ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Delivery> failures = new ConcurrentLinkedQueue<>();
    List<EventSender> senders = List.of(
        new RestSender(URI.create("http://127.0.0.1:" + launcher.ports().collectorHttp()), launcher.writeKey(),
            RestSender.Compression.GZIP, Duration.ofSeconds(30)),
        GrpcSender.connect("127.0.0.1:" + launcher.ports().collectorGrpc(), launcher.writeKey(),
            GrpcSender.Mode.BATCH, Duration.ofSeconds(30)));
    LoadRun run = new LoadRun(new TrafficGenerator(20261120L, new EventMix(EventMix.DEFAULT_WEIGHTS, 3, 2),
        Clock.systemUTC()), senders, new LoadRun.Settings(400, EVENTS, null, 50, 4), delivery -> {
          if (delivery.failed()) {
            failures.add(delivery);
            return;
          }
          for (EventResult r : delivery.result().getResultsList()) {
            answers.add(new Answer(delivery.events().get(r.getIndex()), r, delivery.sentAt()));
          }
        });
    run.run();
    senders.forEach(EventSender::close);
    run.stats().print(System.out, Duration.ofSeconds(1));

    assertThat(failures).as("every request got a per-event answer (first failure: %s)",
        failures.isEmpty() ? "" : failures.peek().errorMessage()).isEmpty();
    assertThat(answers).hasSize(EVENTS);

    Map<String, List<Answer>> accepted = answers.stream().filter(a -> a.result().getStatus() == EventStatus.EVENT_STATUS_ACCEPTED)
        .collect(Collectors.groupingBy(a -> a.event().eventId()));
    List<Answer> rejected = answers.stream().filter(a -> a.result().getStatus() == EventStatus.EVENT_STATUS_REJECTED).toList();

    // 2. The collector judged each event as the generator built it.
    assertThat(rejected).as("every event broken on purpose is refused, with the reason for its fault")
        .allSatisfy(a -> assertThat(a.result().getReason()).isEqualTo(a.event().invalid().expectedReason()));
    assertThat(answers.stream().filter(a -> !a.event().valid()))
        .allSatisfy(a -> assertThat(a.result().getStatus()).isEqualTo(EventStatus.EVENT_STATUS_REJECTED));

    // 3. Wait until the pipeline caught up.
    boolean settled = launcher.awaitSettled(accepted.values().stream().mapToLong(List::size).sum(),
        accepted.size() + rejected.size(), Duration.ofMinutes(4));
    searchable.close();
    System.out.println("pipeline settled: " + settled + ", " + launcher.watcher().counts());

    // 4. Elasticsearch: each accepted record is enriched or dead-lettered, exactly once by id.
    Map<String, Long> eventDocs = es.all("millrace-events*", "event_id").stream()
        .collect(Collectors.groupingBy(d -> d.get("_source").get("event_id").asString(), Collectors.counting()));
    List<JsonNode> deadLetters = es.all("millrace-dead-letters*", "event_id", "stage", "reason").stream()
        .map(d -> d.get("_source")).toList();
    Map<String, List<JsonNode>> deadLettersById = deadLetters.stream()
        .collect(Collectors.groupingBy(d -> d.path("event_id").asString("")));

    List<String> lost = new ArrayList<>();
    List<String> doubled = new ArrayList<>();
    for (Map.Entry<String, List<Answer>> e : accepted.entrySet()) {
      long asEvent = eventDocs.getOrDefault(e.getKey(), 0L);
      long asEnricherDeadLetter = deadLettersById.getOrDefault(e.getKey(), List.of()).stream()
          .filter(d -> stage(d).equals("ENRICHER")).count();
      if (asEvent == 0 && asEnricherDeadLetter == 0) lost.add(e.getKey());
      // A resent event is one document (its id is the document id), or one dead letter per send.
      if (asEvent > 1 || (asEvent == 1 && asEnricherDeadLetter > 0) || asEnricherDeadLetter > e.getValue().size()) {
        doubled.add(e.getKey() + " (" + asEvent + " events, " + asEnricherDeadLetter + " dead letters)");
      }
    }
    assertThat(lost).as("accepted events in neither index").isEmpty();
    assertThat(doubled).as("accepted events in Elasticsearch more than once").isEmpty();
    assertThat(eventDocs.keySet()).as("only accepted events are indexed as events").isSubsetOf(accepted.keySet());

    // 5. Every refused event is a collector dead letter with the reason it was refused for.
    Map<String, Long> refusedByIdAndReason = rejected.stream().collect(Collectors.groupingBy(
        a -> a.result().getEventId() + "/" + a.result().getReason().name(), Collectors.counting()));
    Map<String, Long> collectorDeadLetters = deadLetters.stream().filter(d -> stage(d).equals("COLLECTOR"))
        .collect(Collectors.groupingBy(d -> d.path("event_id").asString("") + "/" + reason(d), Collectors.counting()));
    assertThat(collectorDeadLetters).as("collector dead letters by event id and reason")
        .isEqualTo(refusedByIdAndReason);

    // 6. The demo traffic is valid against the shipped schemas: every valid event is enriched.
    Set<String> validIds = accepted.keySet();
    assertThat(validIds.stream().filter(id -> !eventDocs.containsKey(id)).toList())
        .as("valid events the enricher dead-lettered").isEmpty();

    // 7. S3: every enriched record is in the Parquet files exactly once (a resent event once per send).
    Map<String, Long> expectedRows = new HashMap<>();
    accepted.forEach((id, sends) -> {
      if (eventDocs.containsKey(id)) expectedRows.put(id, (long) sends.size());
    });
    // Files are uploaded when they rotate; read again until the store holds every row or a minute passes.
    int[] files = new int[1];
    Map<String, Long> rows = Map.of();
    for (long until = System.nanoTime() + Duration.ofMinutes(1).toNanos(); System.nanoTime() < until; ) {
      try (var old = Files.list(parquet)) {
        for (Path f : old.toList()) Files.delete(f);
      }
      rows = ParquetOnS3.rowsByEventId(launcher.infra(), ServicePlans.BUCKET, parquet, files);
      if (rows.equals(expectedRows)) break;
      Thread.sleep(2000);
    }
    assertThat(rows).as("rows per event id in %d Parquet files", files[0]).isEqualTo(expectedRows);

    // 8. Event-to-searchable latency, printed (a figure, not an assertion).
    List<Long> latencies = new ArrayList<>();
    accepted.forEach((id, sends) -> {
      Instant seen = searchable.firstSeen(id);
      if (seen != null) latencies.add(Duration.between(sends.get(0).sentAt(), seen).toMillis());
    });
    latencies.sort(null);
    System.out.printf(Locale.ROOT, "e2e: %d sent (%d REST/gRPC batches of 50), %d accepted (%d distinct ids),"
            + " %d refused, %d enriched, %d rows in %d Parquet files%n", EVENTS, EVENTS / 50,
        accepted.values().stream().mapToLong(List::size).sum(), accepted.size(), rejected.size(), eventDocs.size(),
        rows.values().stream().mapToLong(Long::longValue).sum(), files[0]);
    if (!latencies.isEmpty()) {
      System.out.printf(Locale.ROOT, "e2e: event-to-searchable latency p50 %d ms, p99 %d ms, max %d ms (%d events,"
              + " polled every %d ms)%n", percentile(latencies, 50), percentile(latencies, 99),
          latencies.get(latencies.size() - 1), latencies.size(), SearchableWatch.POLL.toMillis());
    }
  }

  private static String stage(JsonNode deadLetter) {
    return deadLetter.path("stage").asString("").replace("STAGE_", "");
  }

  private static String reason(JsonNode deadLetter) {
    return deadLetter.path("reason").asString("");
  }

  private static long percentile(List<Long> sorted, int p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}
