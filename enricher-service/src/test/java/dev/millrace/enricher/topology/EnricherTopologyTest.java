package dev.millrace.enricher.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.enricher.Events;
import dev.millrace.enricher.FakeEnrichmentService;
import dev.millrace.enricher.MutableClock;
import dev.millrace.enricher.enrich.Backoff;
import dev.millrace.enricher.enrich.CachingEnricher;
import dev.millrace.enricher.enrich.EnrichmentClient;
import dev.millrace.enricher.enrich.OnUnavailable;
import dev.millrace.enricher.schema.PayloadValidator;
import dev.millrace.enricher.schema.SchemaStore;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Violation;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EnricherTopologyTest {

  private static final EnricherTopics TOPICS =
      EnricherTopics.of(WireNames.RAW_TOPIC, WireNames.ENRICHED_TOPIC, WireNames.ENRICHER_DEAD_LETTER_TOPIC);
  private static final Duration LINGER = Duration.ofMillis(100);

  private final FakeEnrichmentService api = new FakeEnrichmentService();
  private final ManagedChannel channel = api.channel(null);
  private final MutableClock clock = new MutableClock();
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> raw;
  private TestOutputTopic<String, EnrichedEvent> enriched;
  private TestOutputTopic<String, DeadLetter> deadLetters;

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
    channel.shutdownNow();
    api.close();
  }

  private void start(int batchSize, int maxPending, OnUnavailable onUnavailable, Duration bound) {
    EnrichOptions options = new EnrichOptions(batchSize, LINGER, maxPending, Duration.ofSeconds(1),
        new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0.5), onUnavailable, bound);
    var enricher = new CachingEnricher(new EnrichmentClient(channel, Duration.ofSeconds(5)), 1000, Duration.ofMinutes(1));
    var topology = EnricherTopology.build(TOPICS, new PayloadValidator(SchemaStore.at("classpath:schemas")),
        enricher, options, EnricherMetrics.NONE, clock);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "enricher-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(topology, props);
    raw = driver.createInputTopic(TOPICS.raw().name(), new StringSerializer(), new ByteArraySerializer());
    enriched = driver.createOutputTopic(TOPICS.enriched().name(), new StringDeserializer(),
        TOPICS.enriched().valueSerde().deserializer());
    deadLetters = driver.createOutputTopic(TOPICS.deadLetters().name(), new StringDeserializer(),
        TOPICS.deadLetters().valueSerde().deserializer());
  }

  private void start() {
    start(1, 100, OnUnavailable.WAIT, Duration.ofMinutes(5));
  }

  private void send(RawEvent event) {
    raw.pipeInput(event.getEvent().getEventId(), event.toByteArray());
  }

  /** Lets the linger punctuation and any backoff run. */
  private void tick(Duration d) {
    clock.advance(d.toMillis());
    driver.advanceWallClockTime(d);
  }

  private static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void aValidEventIsWrittenEnrichedWithItsPiiReplacedUnderTheSameKey() {
    start();
    RawEvent event = Events.raw("signup", "1-0-0", Events.SIGNUP);
    send(event);

    TestRecord<String, EnrichedEvent> out = enriched.readRecord();
    assertThat(out.key()).isEqualTo(event.getEvent().getEventId());
    EnrichedEvent value = out.value();
    assertThat(value.getRaw().getEvent().getEventId()).isEqualTo(event.getEvent().getEventId());
    assertThat(value.getRaw().getEvent().getContext().getUserId())
        .isEqualTo(FakeEnrichmentService.pseudonym("user-1234"));
    assertThat(value.getRaw().getEvent().getContext().getIp()).isEqualTo("203.0.113.0");
    assertThat(value.getRaw().getEvent().getPayloadJson())
        .isEqualTo(FakeEnrichmentService.pseudonymizedPayload(Events.SIGNUP))
        .contains("pseudo-email");
    assertThat(value.getRaw().getMetadata().getClientIp()).isEqualTo("198.51.100.0");
    assertThat(value.toString()).doesNotContain("user-1234", "ada@example.com", "198.51.100.23", "203.0.113.77");
    assertThat(value.getEnrichment().getEnrichmentVersion()).isEqualTo("fake-1");
    assertThat(value.hasEnrichedAt()).isTrue();
    assertThat(header(out.headers(), WireNames.HEADER_EVENT_ID)).isEqualTo(event.getEvent().getEventId());
    assertThat(header(out.headers(), WireNames.HEADER_EVENT_TYPE)).isEqualTo("signup");
    assertThat(header(out.headers(), WireNames.HEADER_SCHEMA_VERSION)).isEqualTo("1-0-0");
    assertThat(header(out.headers(), WireNames.HEADER_CONTENT_TYPE)).isEqualTo("millrace.v1.EnrichedEvent");
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void everyShippedEventTypeIsEnriched() {
    start();
    send(Events.raw("page_view", "1-0-0", Events.PAGE_VIEW));
    send(Events.raw("page_view", "1-0-1", "{\"path\":\"/\",\"load_time_ms\":420}"));
    send(Events.raw("link_click", "1-0-0", Events.LINK_CLICK));
    send(Events.raw("add_to_cart", "1-0-0", Events.ADD_TO_CART));
    send(Events.raw("purchase", "1-0-0", Events.PURCHASE));
    send(Events.raw("signup", "1-0-0", Events.SIGNUP));

    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventType())
        .containsExactly("page_view", "page_view", "link_click", "add_to_cart", "purchase", "signup");
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void bytesThatAreNotARawEventAreDeadLetteredWithTheirExactBytesAndSource() {
    start();
    byte[] garbage = "definitely not protobuf \u0000\u00ff".getBytes(StandardCharsets.UTF_8);
    raw.pipeInput("k1", garbage);
    raw.pipeInput("k2", new byte[0]);

    List<TestRecord<String, DeadLetter>> out = deadLetters.readRecordsToList();
    assertThat(out).hasSize(2);
    DeadLetter first = out.get(0).value();
    assertThat(out.get(0).key()).isEqualTo("k1");
    assertThat(first.getStage()).isEqualTo(Stage.STAGE_ENRICHER);
    assertThat(first.getReason()).isEqualTo(ReasonCode.UNDECODABLE);
    assertThat(first.getOriginal().toByteArray()).isEqualTo(garbage);
    assertThat(first.getSourceTopic()).isEqualTo(WireNames.RAW_TOPIC);
    assertThat(first.getSourcePartition()).isEqualTo(0);
    assertThat(first.getSourceOffset()).isEqualTo(0);
    assertThat(first.hasFailedAt()).isTrue();
    assertThat(header(out.get(0).headers(), WireNames.HEADER_REASON)).isEqualTo("UNDECODABLE");
    assertThat(header(out.get(0).headers(), WireNames.HEADER_CONTENT_TYPE)).isEqualTo("millrace.v1.DeadLetter");
    assertThat(out.get(1).value().getReason()).isEqualTo(ReasonCode.UNDECODABLE);
    assertThat(out.get(1).value().getSourceOffset()).isEqualTo(1);
    assertThat(enriched.isEmpty()).isTrue();
  }

  @Test
  void aRawEventWhoseStringsAreNotUtf8IsUndecodableAndNeverSentToTheApi() {
    start();
    byte[] bytes = Events.raw("e-utf8", "page_view", "1-0-0", Events.PAGE_VIEW, "agent-MARK").toByteArray();
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    bytes[text.indexOf("MARK")] = (byte) 0xC3; // a lead byte followed by ASCII: not UTF-8
    raw.pipeInput("e-utf8", bytes);
    tick(LINGER);

    List<TestRecord<String, DeadLetter>> out = deadLetters.readRecordsToList();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).value().getReason()).isEqualTo(ReasonCode.UNDECODABLE);
    assertThat(out.get(0).value().getOriginal().toByteArray()).isEqualTo(bytes);
    assertThat(enriched.isEmpty()).isTrue();
    assertThat(api.calls.get()).isZero();
  }

  private TestOutputTopic<Long, byte[]> changelog() {
    return driver.createOutputTopic("enricher-test-" + EnricherTopology.PENDING_STORE + "-changelog",
        new LongDeserializer(), new ByteArrayDeserializer());
  }

  @Test
  void aRecordWrittenOutBeforeTheCommitNeverReachesTheChangelog() {
    start(); // the fake answers at once, so the record is written out within its own process()
    send(Events.raw("page_view", "1-0-0", Events.PAGE_VIEW));
    assertThat(enriched.readValuesToList()).hasSize(1);
    assertThat(changelog().readRecordsToList()).isEmpty();
  }

  @Test
  void aRecordStillPendingAtACommitIsOnTheChangelogUntilItIsWrittenOut() {
    start();
    api.hold = true;
    RawEvent e = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    send(e); // the test driver commits after each record: this one is on the network then

    List<TestRecord<Long, byte[]>> logged = changelog().readRecordsToList();
    assertThat(logged).hasSize(1);
    assertThat(logged.get(0).key()).isZero();
    assertThat(PendingRecord.fromBytes(logged.get(0).value()).value()).isEqualTo(e.toByteArray());

    api.hold = false;
    api.release();
    tick(LINGER);
    assertThat(enriched.readValuesToList()).hasSize(1);
    List<TestRecord<Long, byte[]>> after = changelog().readRecordsToList();
    assertThat(after).hasSize(1);
    assertThat(after.get(0).key()).isZero();
    assertThat(after.get(0).value()).as("a tombstone").isNull();
  }

  @Test
  void anUnknownTypeOrSchemaVersionIsDeadLetteredAsUnknownSchema() {
    start();
    RawEvent unknownVersion = Events.raw("page_view", "9-0-0", Events.PAGE_VIEW);
    send(unknownVersion);
    send(Events.raw("checkout_started", "1-0-0", "{}"));
    send(Events.raw("../../etc", "1-0-0", "{}"));

    List<TestRecord<String, DeadLetter>> out = deadLetters.readRecordsToList();
    assertThat(out).extracting(r -> r.value().getReason()).containsOnly(ReasonCode.UNKNOWN_SCHEMA).hasSize(3);
    DeadLetter first = out.get(0).value();
    assertThat(first.getEventId()).isEqualTo(unknownVersion.getEvent().getEventId());
    assertThat(first.getEventType()).isEqualTo("page_view");
    assertThat(first.getSchemaVersion()).isEqualTo("9-0-0");
    assertThat(first.getMetadata()).isEqualTo(unknownVersion.getMetadata());
    assertThat(first.getOriginal().toByteArray()).isEqualTo(unknownVersion.toByteArray());
    assertThat(first.getMessage()).contains("page_view").contains("9-0-0");
    assertThat(header(out.get(0).headers(), WireNames.HEADER_EVENT_ID)).isEqualTo(unknownVersion.getEvent().getEventId());
    assertThat(enriched.isEmpty()).isTrue();
    assertThat(api.calls.get()).isZero();
  }

  @Test
  void aPayloadThatBreaksItsSchemaIsDeadLetteredWithAPointerForEveryFailure() {
    start();
    String bad = "{\"order_id\":\"o-1\",\"currency\":\"euro\",\"total\":-1,"
        + "\"items\":[{\"product_id\":\"p\",\"quantity\":0,\"unit_price\":1}],\"gift\":true}";
    send(Events.raw("purchase", "1-0-0", bad));

    DeadLetter dl = deadLetters.readValue();
    assertThat(dl.getReason()).isEqualTo(ReasonCode.SCHEMA_VIOLATION);
    assertThat(dl.getViolationsList()).extracting(Violation::getPointer)
        .contains("/payload/currency", "/payload/total", "/payload/items/0/quantity");
    assertThat(dl.getViolationsList()).extracting(Violation::getKeyword)
        .contains("pattern", "minimum", "additionalProperties");
    assertThat(dl.getViolationsList()).hasSize(4).allSatisfy(v -> assertThat(v.getMessage()).isNotBlank());
    assertThat(dl.getMessage()).doesNotContain("euro");
    assertThat(enriched.isEmpty()).isTrue();
  }

  @Test
  void aPayloadThatIsNotJsonIsASchemaViolation() {
    start();
    send(Events.raw("page_view", "1-0-0", "{\"path\":"));
    assertThat(deadLetters.readValue().getReason()).isEqualTo(ReasonCode.SCHEMA_VIOLATION);
  }

  @Test
  void anItemTheApiCannotEnrichIsDeadLetteredAndTheRestOfItsBatchIsEnriched() {
    start(3, 100, OnUnavailable.WAIT, Duration.ofMinutes(5));
    RawEvent ok1 = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    RawEvent failing = Events.raw("e-fail", "page_view", "1-0-0", Events.PAGE_VIEW, FakeEnrichmentService.FAILING_USER_AGENT);
    RawEvent ok2 = Events.raw("link_click", "1-0-0", Events.LINK_CLICK);
    send(ok1);
    send(failing);
    send(ok2);

    assertThat(api.batchSizes).containsExactly(3);
    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventId())
        .containsExactly(ok1.getEvent().getEventId(), ok2.getEvent().getEventId());
    DeadLetter dl = deadLetters.readValue();
    assertThat(dl.getReason()).isEqualTo(ReasonCode.ENRICHMENT_FAILED);
    assertThat(dl.getEventId()).isEqualTo("e-fail");
    assertThat(dl.getMessage()).contains("user_agent").contains("cannot parse the user agent");
    assertThat(dl.getOriginal().toByteArray()).isEqualTo(failing.toByteArray());
    assertThat(dl.getSourceOffset()).isEqualTo(1);
  }

  @Test
  void recordsGoOutInBatchesOfNOrAfterTheLinger() {
    start(4, 100, OnUnavailable.WAIT, Duration.ofMinutes(5));
    for (int i = 0; i < 6; i++) {
      send(Events.raw("page_view", "1-0-0", "{\"path\":\"/p/" + i + "\"}"));
    }
    assertThat(api.batchSizes).containsExactly(4);
    assertThat(enriched.readValuesToList()).hasSize(4);

    tick(LINGER);
    assertThat(api.batchSizes).containsExactly(4, 2);
    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getPayloadJson())
        .containsExactly("{\"path\":\"/p/4\"}", "{\"path\":\"/p/5\"}");
  }

  @Test
  void repeatedInputsAreAnsweredFromTheCache() {
    start(2, 100, OnUnavailable.WAIT, Duration.ofMinutes(5));
    RawEvent a = Events.raw("e-1", "page_view", "1-0-0", Events.PAGE_VIEW, "UA");
    RawEvent b = Events.raw("e-2", "page_view", "1-0-0", Events.PAGE_VIEW, "UA");
    send(a);
    send(b);
    send(Events.raw("e-3", "page_view", "1-0-0", Events.PAGE_VIEW, "UA"));
    send(Events.raw("e-4", "page_view", "1-0-0", Events.PAGE_VIEW, "UA"));

    // The first batch sends one distinct input once per item; the second is all hits.
    assertThat(api.batchSizes).containsExactly(2);
    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventId())
        .containsExactly("e-1", "e-2", "e-3", "e-4");
  }

  @Test
  void whileTheApiIsDownRecordsWaitAndAreEnrichedWhenItReturnsUnderWait() {
    start(2, 100, OnUnavailable.WAIT, Duration.ofSeconds(1));
    api.unavailable = true;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      RawEvent e = Events.raw("page_view", "1-0-0", "{\"path\":\"/d/" + i + "\"}");
      ids.add(e.getEvent().getEventId());
      send(e);
    }
    for (int i = 0; i < 20; i++) {
      tick(Duration.ofSeconds(1));
    }
    assertThat(enriched.isEmpty()).isTrue();
    assertThat(deadLetters.isEmpty()).as("no dead letter under WAIT, however long the outage").isTrue();
    int callsWhileDown = api.calls.get();
    assertThat(callsWhileDown).as("retries back off instead of spinning").isLessThan(20);

    api.unavailable = false;
    tick(Duration.ofSeconds(6)); // past the longest backoff
    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventId())
        .containsExactlyElementsOf(ids);
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void whenACallFailsWithLaterCallsInFlightEveryRecordIsSentAgainAndWrittenOnceInOrder() {
    start(2, 100, OnUnavailable.WAIT, Duration.ofMinutes(5));
    api.hold = true;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      RawEvent e = Events.raw("page_view", "1-0-0", "{\"path\":\"/h/" + i + "\"}");
      ids.add(e.getEvent().getEventId());
      send(e);
    }
    assertThat(api.held()).as("three batches of two on the network at once").isEqualTo(3);

    api.failNext.set(1); // the oldest call fails, the two after it are answered
    api.hold = false;
    api.release();
    for (int i = 0; i < 6; i++) { // past the backoff: everything is sent again
      tick(Duration.ofSeconds(1));
    }

    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventId())
        .containsExactlyElementsOf(ids);
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void pastTheBoundRecordsAreDeadLetteredAsUnavailableUnderDeadLetter() {
    start(2, 100, OnUnavailable.DEAD_LETTER, Duration.ofSeconds(3));
    api.unavailable = true;
    RawEvent e1 = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    send(e1);
    send(Events.raw("page_view", "1-0-0", Events.PAGE_VIEW));
    tick(Duration.ofSeconds(1));
    assertThat(deadLetters.isEmpty()).as("not before the bound").isTrue();

    for (int i = 0; i < 5; i++) {
      tick(Duration.ofSeconds(1));
    }
    List<DeadLetter> out = deadLetters.readValuesToList();
    assertThat(out).extracting(DeadLetter::getReason).containsOnly(ReasonCode.ENRICHMENT_UNAVAILABLE).hasSize(2);
    assertThat(out.get(0).getEventId()).isEqualTo(e1.getEvent().getEventId());
    assertThat(out.get(0).getOriginal().toByteArray()).isEqualTo(e1.toByteArray());
    assertThat(enriched.isEmpty()).isTrue();
  }

  @Test
  void aFullPendingStoreHoldsTheRecordBackForABoundedTime() {
    start(2, 4, OnUnavailable.WAIT, Duration.ofMinutes(5));
    api.unavailable = true;
    for (int i = 0; i < 4; i++) {
      send(Events.raw("page_view", "1-0-0", Events.PAGE_VIEW));
    }
    long slept = clock.slept.get();
    assertThat(slept).as("the fourth record met a full store and waited").isGreaterThan(0).isLessThanOrEqualTo(1000);
    send(Events.raw("page_view", "1-0-0", Events.PAGE_VIEW));
    assertThat(clock.slept.get() - slept).isLessThanOrEqualTo(1000);

    api.unavailable = false;
    tick(Duration.ofSeconds(6));
    assertThat(enriched.readValuesToList()).hasSize(5);
  }
}
