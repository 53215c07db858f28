package dev.millrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.localrun.Launcher;
import dev.millrace.localrun.service.ServicePorts;
import dev.millrace.localrun.service.ServicePlans;
import dev.millrace.localrun.watch.ElasticsearchReader;
import dev.millrace.localrun.watch.SearchableWatch;
import dev.millrace.localstack.LocalStack;
import dev.millrace.producer.run.Delivery;
import dev.millrace.producer.run.LoadRun;
import dev.millrace.producer.send.EventSender;
import dev.millrace.producer.send.GrpcSender;
import dev.millrace.producer.send.RestSender;
import dev.millrace.producer.traffic.EventMix;
import dev.millrace.producer.traffic.GeneratedEvent;
import dev.millrace.producer.traffic.TrafficGenerator;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.EventStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The whole pipeline as real processes — Kafka, Elasticsearch and S3 from local-stack, the five
 * services from their exec jars, configured by environment variables exactly as {@code ./millrace up}
 * does — fed over REST and gRPC with valid, invalid and resent events, then checked event by event;
 * then, on the same pipeline, by the real Segment and Snowplow tracker SDKs through the collector's
 * compatible endpoints, one of them through a broker outage. The tracker test runs second: the first
 * one's checks count every document in Elasticsearch as its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
class PipelineEndToEndIT {

  static final int EVENTS = 2000;

  /** What the collector answered for one send of an event. */
  record Answer(GeneratedEvent event, EventResult result, Instant sentAt) {}

  /** Events each tracker SDK is asked to send. */
  static final int SDK_EVENTS = 1000;

  private Path home;
  private Launcher launcher;
  private TrackerSdks sdks;
  private CompletableFuture<TrackerSdks.Environments> sdkEnvironments;

  @BeforeAll
  void startThePipeline() throws java.io.IOException {
    // Under target/, not /tmp: the logs outlive the run for reading, and `mvn clean` removes them.
    home = Path.of(System.getProperty("millrace.e2e.home", "target/e2e-run")).toAbsolutePath();
    Files.createDirectories(home);
    Path repo = Path.of(System.getProperty("millrace.repo", "..")).toAbsolutePath().normalize();
    // The SDKs install (from their locks, cached under .millrace/) while the servers start.
    sdks = new TrackerSdks(repo, home.resolve("sdk-logs"));
    sdkEnvironments = sdks.prepare();
    launcher = Launcher.start(new Launcher.Options(repo, home, ServicePorts.Choice.FREE, Duration.ofMinutes(4), "5s"),
        System.out);
  }

  @AfterAll
  void stopThePipeline() throws java.io.IOException {
    if (launcher != null) launcher.close();
    System.out.println("e2e: service logs in " + home.resolve("logs"));
  }

  @Test
  @Order(1)
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

  /**
   * What a team gets that points its existing Segment or Snowplow tracking at Millrace: the SDKs,
   * unmodified and pinned, send every call type; each event they were asked to send is, by event id,
   * enriched or dead-lettered exactly once with the type its call maps to, an unknown Iglu schema is
   * dead-lettered UNKNOWN_SCHEMA, and analytics-node's own retries through a real broker outage (the
   * collector answering 503) lose nothing and enrich nothing twice.
   */
  @Test
  @Order(2)
  void theRealSegmentAndSnowplowSdksEventsAreEnrichedOrDeadLetteredExactlyOnceThroughTheirOwnRetries(
      @TempDir Path out) throws Exception {
    long start = System.nanoTime();
    TrackerSdks.Environments env = sdkEnvironments.join();
    System.out.printf(Locale.ROOT, "sdk: environments ready after %.1f s more%n", (System.nanoTime() - start) / 1e9);
    String collector = "http://127.0.0.1:" + launcher.ports().collectorHttp();
    String bootstrap = launcher.infra().bootstrapServers();
    Duration senderTimeout = Duration.ofMinutes(4);

    // 1. segment-analytics-python (gzip, /v1/batch) and snowplow-tracker (tp2 POST and GET /i) at once.
    long t = System.nanoTime();
    Path segmentPy = out.resolve("segment-python.jsonl");
    Path snowplow = out.resolve("snowplow-python.jsonl");
    Process segmentPyRun = sdks.python(env, "segment_send.py", "segment-python", collector, launcher.writeKey(),
        Integer.toString(SDK_EVENTS), segmentPy.toString());
    Process snowplowRun = sdks.python(env, "snowplow_send.py", "snowplow-python", collector,
        ServicePlans.SNOWPLOW_APP_ID, Integer.toString(SDK_EVENTS), snowplow.toString());
    boolean segmentPyOk = sdks.finished(segmentPyRun, "segment-python", senderTimeout);
    boolean snowplowOk = sdks.finished(snowplowRun, "snowplow-python", senderTimeout);
    System.out.printf(Locale.ROOT, "sdk: python senders took %.1f s%n", (System.nanoTime() - t) / 1e9);

    // 2. analytics-node through a broker outage: the collector answers 503 until the broker is back,
    // and only the SDK's own retries (maxRetries, backoff) can deliver. The broker stops first and
    // the SDK starts once the collector's probe saw it (readiness down): from then on a 503 means
    // nothing of the request was written. With -Dsdk.outage=mid-send the broker stops a fifth into
    // the run instead, so requests the collector already handed to the producer are caught in the
    // shutdown; the producer can then report them failed (503) although the broker wrote them, and
    // the SDK's retry puts them on the topics twice. That is a known defect of the collector (see
    // e2e/README.md), not of the SDK, so the default run does not exercise it.
    // The SDK's request timeout is 30 s, not its default 10 s: the collector may hold a request up
    // to the producer's delivery timeout (15 s) waiting for acks, and a batch the SDK abandons before
    // its answer is sent again whatever that answer would have been. So every request is answered,
    // and what the SDK retries is exactly what the collector answered 503 (send.mjs prints both).
    boolean midSend = "mid-send".equals(System.getProperty("sdk.outage"));
    t = System.nanoTime();
    double unavailableBefore = unavailableAnswers();
    Path segmentNode = out.resolve("segment-node.jsonl");
    long outage = 0;
    boolean dropped = false;
    if (!midSend) {
      LocalStack.kafka().stop();
      outage = System.nanoTime();
      for (long until = outage + Duration.ofSeconds(30).toNanos(); !dropped && System.nanoTime() < until; ) {
        dropped = !launcher.service("collector").ready();
        if (!dropped) Thread.sleep(100);
      }
      System.out.printf(Locale.ROOT, "sdk: broker stopped; collector readiness down after %.1f s: %s%n",
          (System.nanoTime() - outage) / 1e9, dropped);
    }
    Process nodeRun = sdks.node("segment-node", collector, launcher.writeKey(), Integer.toString(SDK_EVENTS),
        segmentNode.toString(), "--pace-ms", "8", "--max-retries", "10", "--http-timeout-ms", "30000");
    if (midSend) {
      for (long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
           TrackerSdks.lines(segmentNode) < SDK_EVENTS / 5 && nodeRun.isAlive() && System.nanoTime() < until; ) {
        Thread.sleep(50);
      }
      LocalStack.kafka().stop();
      outage = System.nanoTime();
    }
    // Held until the collector said 503 at least once and 4 s passed, at most 30 s (or the sender ended).
    for (long until = outage + Duration.ofSeconds(30).toNanos(); System.nanoTime() < until && nodeRun.isAlive();
         Thread.sleep(250)) {
      dropped |= !launcher.service("collector").ready();
      if (System.nanoTime() - outage > Duration.ofSeconds(4).toNanos() && unavailableAnswers() > unavailableBefore) {
        break;
      }
    }
    LocalStack.kafka().start();
    boolean readinessDropped = dropped;
    System.out.printf(Locale.ROOT, "sdk: broker stopped for %.1f s (%s; collector readiness dropped: %s)%n",
        (System.nanoTime() - outage) / 1e9, midSend ? "mid-send" : "before the SDK started", dropped);
    boolean nodeOk = sdks.finished(nodeRun, "segment-node", senderTimeout);
    double unavailable = unavailableAnswers() - unavailableBefore;
    System.out.printf(Locale.ROOT, "sdk: node sender took %.1f s; the collector answered %.0f requests 503%n",
        (System.nanoTime() - t) / 1e9, unavailable);

    List<TrackerSdks.Sent> sent = new ArrayList<>();
    sent.addAll(TrackerSdks.read(segmentPy, "segment-python", "segment"));
    sent.addAll(TrackerSdks.read(segmentNode, "segment-node", "segment"));
    sent.addAll(TrackerSdks.read(snowplow, "snowplow-python", "snowplow"));
    Map<String, TrackerSdks.Sent> byId = sent.stream()
        .collect(Collectors.toMap(TrackerSdks.Sent::eventId, s -> s, (a, b) -> {
          throw new AssertionError("two sends with event id " + a.eventId() + ": " + a + ", " + b);
        }));

    // 3. The topics, read_committed, until every event is there, or three minutes passed, or a minute
    // went by with no new one (the enricher, restarting its transactions after the outage, takes seconds).
    t = System.nanoTime();
    Map<String, List<TopicLedger.Entry>> ledger = Map.of();
    long progressed = System.nanoTime();
    for (long until = System.nanoTime() + Duration.ofMinutes(3).toNanos(); System.nanoTime() < until; Thread.sleep(2000)) {
      launcher.checkAlive();
      List<TopicLedger.Entry> all = new ArrayList<>(TopicLedger.enriched(bootstrap, WireNames.ENRICHED_TOPIC));
      all.addAll(TopicLedger.deadLetters(bootstrap, WireNames.ENRICHER_DEAD_LETTER_TOPIC));
      all.addAll(TopicLedger.deadLetters(bootstrap, WireNames.COLLECTOR_DEAD_LETTER_TOPIC));
      int before = ledger.size();
      ledger = TopicLedger.byId(all.stream().filter(e -> byId.containsKey(e.eventId())).toList());
      if (ledger.size() == byId.size()) break;
      if (ledger.size() > before) progressed = System.nanoTime();
      if (System.nanoTime() - progressed > Duration.ofMinutes(1).toNanos()) break;
    }
    System.out.printf(Locale.ROOT, "sdk: %d of %d events on the topics after %.1f s%n", ledger.size(), byId.size(),
        (System.nanoTime() - t) / 1e9);

    // 4. Each exactly once, as what its call maps to.
    List<String> lost = new ArrayList<>();
    List<String> doubled = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    Map<String, Long> outcomes = new java.util.TreeMap<>();
    for (TrackerSdks.Sent s : sent) {
      List<TopicLedger.Entry> entries = ledger.getOrDefault(s.eventId(), List.of());
      if (entries.isEmpty()) {
        lost.add(s.sdk() + " " + s.call() + " " + s.trackerId());
        continue;
      }
      if (entries.size() > 1) {
        doubled.add(s.sdk() + " " + s.trackerId() + ": " + entries);
      }
      TopicLedger.Entry e = entries.get(0);
      String outcome = e.reason().isEmpty() ? "enriched" : e.reason();
      String transport = s.sdk().startsWith("segment") ? "TRANSPORT_SEGMENT" : "TRANSPORT_SNOWPLOW";
      outcomes.merge(s.sdk() + " " + e.eventType() + " " + outcome, 1L, Long::sum);
      if (!outcome.equals(s.expect()) || !e.eventType().equals(s.eventType()) || !e.transport().equals(transport)) {
        wrong.add(s.sdk() + " " + s.call() + " " + s.trackerId() + ": expected " + s.eventType() + " " + s.expect()
            + " over " + transport + ", got " + e);
      }
    }
    outcomes.forEach((k, v) -> System.out.printf(Locale.ROOT, "sdk:   %5d %s%n", v, k));
    System.out.printf(Locale.ROOT, "sdk: %d sent, %d lost, %d on the topics more than once, %d not as expected;"
        + " %.0f answers 503; %.1f s for this test%n", sent.size(), lost.size(), doubled.size(), wrong.size(), unavailable,
        (System.nanoTime() - start) / 1e9);
    // All of them, so that one run shows every way it fails.
    SoftAssertions.assertSoftly(soft -> {
      soft.assertThat(List.of(segmentPyOk, snowplowOk, nodeOk)).as("every sender flushed with no failure its SDK"
          + " reported (segment-python, snowplow-python, segment-node; logs in %s)", home.resolve("sdk-logs"))
          .containsOnly(true);
      soft.assertThat(byId.size()).as("events the SDKs were asked to send, by event id").isEqualTo(3 * SDK_EVENTS);
      soft.assertThat(readinessDropped).as("the collector's readiness dropped with the broker").isTrue();
      soft.assertThat(unavailable).as("the collector answered 503 during the outage (else no retry was exercised)")
          .isGreaterThanOrEqualTo(1);
      soft.assertThat(lost.size()).as("events the SDKs were asked to send that are neither enriched nor"
          + " dead-lettered %s", firstFew(lost)).isZero();
      soft.assertThat(doubled.size()).as("events enriched or dead-lettered more than once (the SDK's retries"
          + " included) %s", firstFew(doubled)).isZero();
      soft.assertThat(wrong.size()).as("events not enriched or dead-lettered as their call maps to %s",
          firstFew(wrong)).isZero();
    });
  }

  /** How many requests the collector has answered 503 so far (its request timer, outcome "unavailable"). */
  private double unavailableAnswers() throws Exception {
    String text = HTTP.send(HttpRequest.newBuilder(URI.create(launcher.service("collector").spec().prometheusUrl()))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("millrace_collector_request_seconds_count{") && line.contains("outcome=\"unavailable\"")) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  private static String firstFew(List<String> items) {
    return items.isEmpty() ? "" : "(" + String.join("; ", items.subList(0, Math.min(5, items.size())))
        + (items.size() > 5 ? "; ..." : "") + ")";
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

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
