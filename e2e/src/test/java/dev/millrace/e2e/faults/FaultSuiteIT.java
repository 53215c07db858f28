package dev.millrace.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.e2e.ParquetOnS3;
import dev.millrace.e2e.TopicLedger;
import dev.millrace.localrun.Launcher;
import dev.millrace.localrun.service.ServicePorts;
import dev.millrace.localrun.service.ServicePlans;
import dev.millrace.localrun.service.ServiceProcess;
import dev.millrace.localrun.watch.ElasticsearchReader;
import dev.millrace.localstack.LocalStack;
import dev.millrace.producer.send.GrpcSender;
import dev.millrace.producer.send.RestSender;
import dev.millrace.producer.traffic.EventMix;
import dev.millrace.producer.traffic.TrafficGenerator;
import dev.millrace.proto.WireNames;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The pipeline under a steady load while a schedule of real faults runs: SIGKILL of every service,
 * the enrichment API down within and past the enricher's {@code WAIT} bound, Elasticsearch, S3 and
 * the Kafka broker stopped and started again. After each fault the test restarts what it broke, as
 * an orchestrator would, and times how long until an event sent after the restart is searchable.
 * At the end every event the collector accepted (answered 2xx/OK) must be, by the event id inside
 * the record value: enriched or dead-lettered exactly once on the topics (read_committed), exactly
 * once in Elasticsearch, and, when enriched, exactly once in the Parquet files on S3; every dead
 * letter on the topics is a document, and no document is a dead letter that is not on the topics.
 *
 * <p>{@code -Dfaults.rounds=N} runs the schedule N times (CI runs it once) and
 * {@code -Dfaults.hold=10s} holds each fault longer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 40, unit = TimeUnit.MINUTES)
class FaultSuiteIT {

  private static final Duration HOLD = Duration.parse("PT" + System.getProperty("faults.hold", "4s").toUpperCase(Locale.ROOT));
  private static final int ROUNDS = Integer.getInteger("faults.rounds", 1);
  /** The enricher's outage bound in the DEAD_LETTER phase: well inside the time the API is held down. */
  private static final Duration DEAD_LETTER_BOUND = Duration.ofSeconds(3);
  private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(3);

  /** One fault: what it breaks, how it is repaired, and which readiness must drop meanwhile. */
  record Fault(String name, Runnable inject, Runnable repair, String dependent, Duration hold) {}

  /** What happened during one fault, from its injection until an event sent after repair was searchable. */
  record Window(String fault, Instant from, Instant repairedAt, Instant to, long unanswered, Duration recovery,
                String readiness) {
    boolean covers(Instant t) {
      return !t.isBefore(from) && t.isBefore(to);
    }

    /** Sent while the fault was in force, before the repair began. */
    boolean duringOutage(Instant t) {
      return !t.isBefore(from) && t.isBefore(repairedAt);
    }
  }

  private Path home;
  private Launcher launcher;
  private ElasticsearchReader es;

  @BeforeAll
  void startThePipeline() throws Exception {
    home = Path.of(System.getProperty("millrace.e2e.home", "target/e2e-run")).resolveSibling("fault-run").toAbsolutePath();
    Files.createDirectories(home);
    Path repo = Path.of(System.getProperty("millrace.repo", "..")).toAbsolutePath().normalize();
    // A consumer killed with SIGKILL never leaves its group: the broker waits out its session before
    // the partitions move. Kafka Streams does not leave on a clean close either, so every restart of
    // the enricher waits it out too. The default 45 s would dominate every recovery time here.
    Map<String, String> shortSession = Map.of("MILLRACE_REALTIME_KAFKA_SESSION_TIMEOUT_MS", "10000",
        "MILLRACE_BATCH_KAFKA_SESSION_TIMEOUT_MS", "10000");
    launcher = Launcher.start(new Launcher.Options(repo, home, ServicePorts.Choice.FREE, Duration.ofMinutes(4), "5s",
        Map.of("realtime-loader", shortSession, "batch-loader", shortSession,
            "enricher", Map.of("MILLRACE_ENRICHER_KAFKA_SESSION_TIMEOUT_MS", "10000"))), System.out);
    es = new ElasticsearchReader(launcher.infra().elasticsearchUrl());
  }

  @AfterAll
  void stopThePipeline() {
    if (launcher != null) launcher.close();
    System.out.println("faults: service logs in " + home.resolve("logs"));
  }

  @Test
  void everyAcceptedEventIsEnrichedOrDeadLetteredExactlyOnceEverywhereThroughEveryFault(@TempDir Path parquet)
      throws Exception {
    SteadyLoad load = new SteadyLoad(
        new TrafficGenerator(20261203L, new EventMix(EventMix.DEFAULT_WEIGHTS, 2, 0), Clock.systemUTC()),
        List.of(
            new RestSender(URI.create("http://127.0.0.1:" + launcher.ports().collectorHttp()), launcher.writeKey(),
                RestSender.Compression.GZIP, Duration.ofSeconds(10)),
            GrpcSender.connect("127.0.0.1:" + launcher.ports().collectorGrpc(), launcher.writeKey(),
                GrpcSender.Mode.BATCH, Duration.ofSeconds(10))),
        20, Duration.ofMillis(250)).start();

    List<Window> windows = new ArrayList<>();
    Thread.sleep(HOLD.toMillis());
    for (int round = 1; round <= ROUNDS; round++) {
      for (Fault fault : schedule()) {
        windows.add(run(fault, load));
      }
    }
    Thread.sleep(HOLD.toMillis());
    load.close();

    List<SteadyLoad.Answer> answers = load.answers();
    Map<String, SteadyLoad.Answer> accepted = answers.stream().filter(SteadyLoad.Answer::accepted)
        .collect(Collectors.toMap(SteadyLoad.Answer::eventId, a -> a, (a, b) -> a, LinkedHashMap::new));
    List<SteadyLoad.Answer> refused = answers.stream().filter(a -> !a.accepted()).toList();
    assertThat(accepted).as("events the collector accepted").isNotEmpty();

    // 1. Topics, read_committed, by the id inside the value.
    String bootstrap = launcher.infra().bootstrapServers();
    Map<String, List<TopicLedger.Entry>> onTopics = Map.of();
    List<TopicLedger.Entry> collectorDeadLetters = List.of();
    List<TopicLedger.Entry> enricherDeadLetters = List.of();
    for (long until = System.nanoTime() + RECOVERY_TIMEOUT.toNanos(); System.nanoTime() < until; Thread.sleep(2000)) {
      List<TopicLedger.Entry> enriched = TopicLedger.enriched(bootstrap, WireNames.ENRICHED_TOPIC);
      enricherDeadLetters = TopicLedger.deadLetters(bootstrap, WireNames.ENRICHER_DEAD_LETTER_TOPIC);
      List<TopicLedger.Entry> all = new ArrayList<>(enriched);
      all.addAll(enricherDeadLetters);
      onTopics = TopicLedger.byId(all);
      if (onTopics.keySet().containsAll(accepted.keySet())) break;
    }
    collectorDeadLetters = TopicLedger.deadLetters(bootstrap, WireNames.COLLECTOR_DEAD_LETTER_TOPIC);
    Map<String, List<TopicLedger.Entry>> topics = onTopics;
    Set<String> enrichedIds = topics.entrySet().stream()
        .filter(e -> e.getValue().stream().anyMatch(x -> x.reason().isEmpty())).map(Map.Entry::getKey)
        .collect(Collectors.toSet());

    // 2. Elasticsearch: events by id, dead letters by id and by their document id (topic-partition-offset).
    Map<String, Long> esEvents = Map.of();
    Map<String, Long> esEnricherDeadLetters = Map.of();
    Set<String> esDeadLetterDocs = Set.of();
    Set<String> expectedDeadLetterDocs = new HashSet<>();
    enricherDeadLetters.forEach(d -> expectedDeadLetterDocs.add(d.where()));
    collectorDeadLetters.forEach(d -> expectedDeadLetterDocs.add(d.where()));
    for (long until = System.nanoTime() + RECOVERY_TIMEOUT.toNanos(); System.nanoTime() < until; Thread.sleep(2000)) {
      esEvents = es.all("millrace-events*", "event_id").stream()
          .collect(Collectors.groupingBy(d -> d.get("_source").get("event_id").asString(), Collectors.counting()));
      List<JsonNode> deadLetters = es.all("millrace-dead-letters*", "event_id", "stage");
      esEnricherDeadLetters = deadLetters.stream()
          .filter(d -> d.get("_source").path("stage").asString("").endsWith("ENRICHER"))
          .collect(Collectors.groupingBy(d -> d.get("_source").path("event_id").asString(""), Collectors.counting()));
      esDeadLetterDocs = deadLetters.stream().map(d -> d.get("_id").asString()).collect(Collectors.toSet());
      Map<String, Long> events = esEvents;
      Map<String, Long> dls = esEnricherDeadLetters;
      if (esDeadLetterDocs.containsAll(expectedDeadLetterDocs)
          && accepted.keySet().stream().allMatch(id -> events.containsKey(id) || dls.containsKey(id))) break;
    }

    // 3. S3: one Parquet row per enriched event.
    Map<String, Long> rows = Map.of();
    int[] files = new int[1];
    for (long until = System.nanoTime() + Duration.ofMinutes(2).toNanos(); System.nanoTime() < until; Thread.sleep(3000)) {
      try (var old = Files.list(parquet)) {
        for (Path f : old.toList()) Files.delete(f);
      }
      rows = ParquetOnS3.rowsByEventId(launcher.infra(), ServicePlans.BUCKET, parquet, files);
      if (rows.keySet().containsAll(enrichedIds)) break;
    }

    // 4. Per event, per store: lost (0) or duplicated (>1), attributed to the fault it was sent during.
    Map<String, int[]> tally = new LinkedHashMap<>(); // window -> accepted, lost, duplicated
    tally.put("(no fault)", new int[3]);
    windows.forEach(w -> tally.put(w.fault(), new int[3]));
    List<String> problems = new ArrayList<>();
    for (SteadyLoad.Answer a : accepted.values()) {
      String window = windows.stream().filter(w -> w.covers(a.sentAt())).map(Window::fault).findFirst().orElse("(no fault)");
      int[] t = tally.get(window);
      t[0]++;
      String id = a.eventId();
      int topic = topics.getOrDefault(id, List.of()).size();
      long search = esEvents.getOrDefault(id, 0L) + esEnricherDeadLetters.getOrDefault(id, 0L);
      long s3 = enrichedIds.contains(id) ? rows.getOrDefault(id, 0L) : 1;
      boolean lost = topic == 0 || search == 0 || s3 == 0;
      boolean doubled = topic > 1 || search > 1 || s3 > 1;
      if (lost) t[1]++;
      if (doubled) t[2]++;
      if (lost || doubled) {
        problems.add(id + " sent during " + window + ": topics " + topics.getOrDefault(id, List.of())
            + ", elasticsearch " + search + ", s3 rows " + (enrichedIds.contains(id) ? s3 : "-"));
      }
    }

    // 5. The table.
    System.out.println();
    System.out.printf(Locale.ROOT, "%-44s %9s %11s %5s %10s %9s  %s%n", "fault", "accepted", "unanswered", "lost",
        "duplicated", "recovery", "readiness of the dependent service");
    int[] steady = tally.get("(no fault)");
    System.out.printf(Locale.ROOT, "%-44s %9d %11s %5d %10d %9s%n", "(no fault)", steady[0], "-", steady[1], steady[2], "-");
    for (Window w : windows) {
      int[] t = tally.get(w.fault());
      System.out.printf(Locale.ROOT, "%-44s %9d %11d %5d %10d %8.1fs  %s%n", w.fault(), t[0], w.unanswered(), t[1], t[2],
          w.recovery().toMillis() / 1000.0, w.readiness());
    }
    System.out.printf(Locale.ROOT, "faults: %d accepted, %d refused by the collector, %d events unanswered (%d requests),"
            + " %d enriched, %d enricher dead letters (%d ENRICHMENT_UNAVAILABLE), %d Parquet rows in %d files%n%n",
        accepted.size(), refused.size(), load.unansweredEvents(), load.unansweredRequests(), enrichedIds.size(),
        enricherDeadLetters.size(), enricherDeadLetters.stream().filter(d -> d.reason().equals("ENRICHMENT_UNAVAILABLE")).count(),
        rows.values().stream().mapToLong(Long::longValue).sum(), files[0]);

    // 6. The promises.
    assertThat(problems).as("accepted events lost or duplicated (topics / Elasticsearch / S3)").isEmpty();
    Set<String> unexpected = new HashSet<>(esDeadLetterDocs);
    unexpected.removeAll(expectedDeadLetterDocs);
    Set<String> missing = new HashSet<>(expectedDeadLetterDocs);
    missing.removeAll(esDeadLetterDocs);
    assertThat(missing).as("dead letters on the topics that are not in Elasticsearch").isEmpty();
    assertThat(unexpected).as("dead-letter documents that are no committed record (aborted transactions?)").isEmpty();
    Map<String, Long> refusedByIdAndReason = refused.stream().collect(Collectors.groupingBy(
        a -> a.eventId() + "/" + a.reason().name(), Collectors.counting()));
    Map<String, Long> collectorByIdAndReason = collectorDeadLetters.stream().collect(Collectors.groupingBy(
        d -> d.eventId() + "/" + d.reason(), Collectors.counting()));
    refusedByIdAndReason.forEach((key, n) -> assertThat(collectorByIdAndReason.getOrDefault(key, 0L))
        .as("collector dead letters for refused %s", key).isGreaterThanOrEqualTo(n));
    for (Window w : windows) {
      if (w.readiness().startsWith("must drop")) {
        assertThat(w.readiness()).as("readiness during " + w.fault()).endsWith("dropped, returned");
      }
    }
    // WAIT holds records through an outage shorter than its bound; DEAD_LETTER past the bound does not.
    Set<String> unavailable = enricherDeadLetters.stream().filter(d -> d.reason().equals("ENRICHMENT_UNAVAILABLE"))
        .map(TopicLedger.Entry::eventId).collect(Collectors.toSet());
    // Counted over the outage itself: what is sent after the API is back may still be in the raw
    // topic when the next fault switches the enricher to DEAD_LETTER.
    for (Window w : windows) {
      long sentAndUnavailable = accepted.values().stream().filter(a -> w.duringOutage(a.sentAt()))
          .filter(a -> unavailable.contains(a.eventId())).count();
      if (w.fault().contains("within the WAIT bound")) {
        assertThat(sentAndUnavailable).as("ENRICHMENT_UNAVAILABLE dead letters under WAIT").isZero();
      }
      if (w.fault().contains("past the bound")) {
        assertThat(sentAndUnavailable).as("ENRICHMENT_UNAVAILABLE dead letters past the DEAD_LETTER bound").isPositive();
      }
    }
  }

  private List<Fault> schedule() {
    List<Fault> faults = new ArrayList<>();
    for (String service : List.of("collector", "enricher", "realtime-loader", "batch-loader")) {
      faults.add(new Fault("SIGKILL " + service, () -> launcher.kill(service),
          () -> launcher.restart(service, Map.of()), null, HOLD));
    }
    faults.add(new Fault("enrichment API down within the WAIT bound", () -> launcher.kill("enrichment-api"),
        () -> launcher.restart("enrichment-api", Map.of()), null, HOLD));
    faults.add(new Fault("enrichment API down past the bound, DEAD_LETTER", () -> {
      // The enricher is switched to DEAD_LETTER with a short bound first (a restart of its own).
      launcher.restart("enricher", Map.of("MILLRACE_ENRICHER_ENRICHMENT_ONUNAVAILABLE", "DEAD_LETTER",
          "MILLRACE_ENRICHER_ENRICHMENT_UNAVAILABLEBOUND", DEAD_LETTER_BOUND.toSeconds() + "s"));
      launcher.kill("enrichment-api");
    }, () -> {
      launcher.restart("enrichment-api", Map.of());
      launcher.restart("enricher", Map.of("MILLRACE_ENRICHER_ENRICHMENT_ONUNAVAILABLE", "WAIT"));
    }, null, HOLD.plus(DEAD_LETTER_BOUND.multipliedBy(2))));
    faults.add(new Fault("Elasticsearch stopped", () -> LocalStack.elasticsearch().stop(),
        () -> LocalStack.elasticsearch().start(), "realtime-loader", HOLD.plusSeconds(4)));
    faults.add(new Fault("S3 stopped", () -> LocalStack.s3().stop(), () -> LocalStack.s3().start(), "batch-loader",
        HOLD.plusSeconds(8)));
    faults.add(new Fault("Kafka broker killed (SIGKILL)", () -> LocalStack.kafka().kill(),
        () -> LocalStack.kafka().start(), "collector", HOLD));
    return faults;
  }

  private Window run(Fault fault, SteadyLoad load) throws Exception {
    System.out.println("faults: " + fault.name());
    long unansweredBefore = load.unansweredEvents();
    Instant from = Instant.now();
    fault.inject().run();
    AtomicBoolean dropped = new AtomicBoolean();
    if (fault.dependent() != null) {
      ServiceProcess dependent = launcher.service(fault.dependent());
      for (long until = System.nanoTime() + fault.hold().toNanos(); System.nanoTime() < until; Thread.sleep(250)) {
        if (!dependent.ready()) dropped.set(true);
      }
    } else {
      Thread.sleep(fault.hold().toMillis());
    }
    Instant repairedAt = Instant.now();
    fault.repair().run();
    // Recovered: every service ready again, an event accepted after the repair is searchable, and so
    // is every event accepted while the fault lasted: nothing is still held back (e.g. in the
    // enricher's pending store, or unread on the raw topic) when the next fault starts.
    List<String> heldBack = load.acceptedBetween(from, repairedAt);
    String probe = null;
    boolean returned = false;
    for (long until = System.nanoTime() + RECOVERY_TIMEOUT.toNanos(); ; Thread.sleep(250)) {
      if (System.nanoTime() > until) {
        throw new AssertionError("the pipeline did not recover from '" + fault.name() + "' within "
            + RECOVERY_TIMEOUT + " (probe event " + probe + "); logs in " + launcher.logs());
      }
      if (launcher.services().stream().allMatch(ServiceProcess::ready)) {
        returned = true;
      } else {
        continue;
      }
      if (probe == null) probe = load.firstAcceptedSince(repairedAt);
      if (probe != null && searchable(probe) && allSearchable(heldBack)) break;
    }
    Instant to = Instant.now();
    String readiness = fault.dependent() == null ? "-"
        : "must drop (" + fault.dependent() + "): " + (dropped.get() ? "dropped" : "never dropped")
            + (returned ? ", returned" : ", did not return");
    return new Window(fault.name(), from, repairedAt, to, load.unansweredEvents() - unansweredBefore,
        Duration.between(repairedAt, to), readiness);
  }

  private boolean allSearchable(List<String> eventIds) {
    try {
      return eventIds.isEmpty()
          || es.countAny("millrace-events*,millrace-dead-letters*", "event_id", eventIds) >= eventIds.size();
    } catch (Exception notYet) {
      return false;
    }
  }

  private boolean searchable(String eventId) {
    try {
      return es.count("millrace-events*,millrace-dead-letters*", "event_id", eventId) > 0;
    } catch (Exception notYet) {
      return false;
    }
  }
}
