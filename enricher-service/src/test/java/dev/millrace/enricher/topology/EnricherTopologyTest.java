package dev.millrace.enricher.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.enricher.Events;
import dev.millrace.enricher.FakeEnrichmentService;
import dev.millrace.enricher.MutableClock;
import dev.millrace.enricher.enrich.CachingEnricher;
import dev.millrace.enricher.enrich.Enricher;
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
import dev.millrace.retry.Backoff;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.UnaryOperator;
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
  private int maxRecordBytes = EnrichOptions.DEFAULT_MAX_RECORD_BYTES;

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
    channel.shutdownNow();
    api.close();
  }

  private void start(int batchSize, int maxPending, OnUnavailable onUnavailable, Duration bound) {
    start(batchSize, maxPending, onUnavailable, bound, e -> e, SchemaStore.at("classpath:schemas"));
  }

  /** The production topology, with the enricher wrapped by {@code wrap} and payload schemas from {@code schemas}. */
  private void start(int batchSize, int maxPending, OnUnavailable onUnavailable, Duration bound,
                     UnaryOperator<Enricher> wrap, SchemaStore schemas) {
    EnrichOptions options = new EnrichOptions(batchSize, LINGER, maxPending, Duration.ofSeconds(1),
        new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> 0.5), onUnavailable, bound, maxRecordBytes);
    var enricher = wrap.apply(
        new CachingEnricher(new EnrichmentClient(channel, Duration.ofSeconds(5)), 1000, Duration.ofMinutes(1)));
    var topology = EnricherTopology.build(TOPICS, new PayloadValidator(schemas),
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
  void aValidEventKeyedByItsEventIdIsWrittenEnrichedWithItsPiiReplacedUnderTheSameKey() {
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
    assertThat(out.get(0).key()).as("no event id to key by: where it was read from")
        .isEqualTo(WireNames.RAW_TOPIC + "-0@0");
    assertThat(out.get(1).key()).isEqualTo(WireNames.RAW_TOPIC + "-0@1");
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

  // --- Keys: no PII downstream of the enricher (collector partition-key USER_ID / ANONYMOUS_ID) ---

  private static final String USER_ID = "user-1234"; // the user id of every Events.raw event

  private static RawEvent anonymous(String anonymousId) {
    RawEvent e = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    return e.toBuilder().setEvent(e.getEvent().toBuilder().setContext(e.getEvent().getContext().toBuilder()
        .clearUserId().setAnonymousId(anonymousId))).build();
  }

  @Test
  void aRawKeyThatIsTheUserIdBecomesThePseudonymisedUserIdAndTheRawIdIsInNoOutputKey() {
    start();
    RawEvent first = Events.raw("signup", "1-0-0", Events.SIGNUP);
    RawEvent second = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    raw.pipeInput(USER_ID, first.toByteArray());
    raw.pipeInput(USER_ID, second.toByteArray());
    // Every kind of dead letter, keyed as the collector keys with partition-key=USER_ID.
    RawEvent unknown = Events.raw("page_view", "9-0-0", Events.PAGE_VIEW);
    RawEvent violation = Events.raw("page_view", "1-0-0", "{\"path\":");
    RawEvent failing = Events.raw("e-fail", "page_view", "1-0-0", Events.PAGE_VIEW,
        FakeEnrichmentService.FAILING_USER_AGENT);
    raw.pipeInput(USER_ID, unknown.toByteArray());
    raw.pipeInput(USER_ID, violation.toByteArray());
    raw.pipeInput(USER_ID, failing.toByteArray());
    raw.pipeInput(USER_ID, "not a raw event".getBytes(StandardCharsets.UTF_8));

    List<TestRecord<String, EnrichedEvent>> out = enriched.readRecordsToList();
    assertThat(out).extracting(TestRecord::key).as("one user, one key: the user's events share a partition")
        .containsExactly(FakeEnrichmentService.pseudonym(USER_ID), FakeEnrichmentService.pseudonym(USER_ID));
    assertThat(out).allSatisfy(r ->
        assertThat(r.key()).isEqualTo(r.value().getRaw().getEvent().getContext().getUserId()));
    List<TestRecord<String, DeadLetter>> dead = deadLetters.readRecordsToList();
    assertThat(dead).extracting(TestRecord::key).containsExactly(unknown.getEvent().getEventId(),
        violation.getEvent().getEventId(), "e-fail", WireNames.RAW_TOPIC + "-0@5");
    assertThat(dead).extracting(r -> r.value().getReason()).containsExactly(ReasonCode.UNKNOWN_SCHEMA,
        ReasonCode.SCHEMA_VIOLATION, ReasonCode.ENRICHMENT_FAILED, ReasonCode.UNDECODABLE);
    List<String> keys = new ArrayList<>(out.stream().map(TestRecord::key).toList());
    dead.forEach(r -> keys.add(r.key()));
    assertThat(keys).allSatisfy(k -> assertThat(k).doesNotContain(USER_ID));
  }

  @Test
  void aRawKeyThatIsTheAnonymousIdBecomesTheEnrichedAnonymousId() {
    start();
    raw.pipeInput("anon-77", anonymous("anon-77").toByteArray());
    raw.pipeInput("anon-77", anonymous("anon-77").toByteArray());

    List<TestRecord<String, EnrichedEvent>> out = enriched.readRecordsToList();
    assertThat(out).extracting(TestRecord::key)
        .containsExactly(FakeEnrichmentService.pseudonym("anon-77"), FakeEnrichmentService.pseudonym("anon-77"));
    assertThat(out).allSatisfy(r ->
        assertThat(r.key()).isEqualTo(r.value().getRaw().getEvent().getContext().getAnonymousId()));
  }

  @Test
  void keysThatCarryNoPiiStayAndAKeyOfUnknownOriginIsReplacedByTheEventId() {
    start();
    RawEvent bySource = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    RawEvent byOther = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    RawEvent noKey = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    raw.pipeInput("shop-web", bySource.toByteArray()); // partition-key=SOURCE
    raw.pipeInput("ada@example.com", byOther.toByteArray()); // not a collector key: may be PII
    raw.pipeInput((String) null, noKey.toByteArray());

    assertThat(enriched.readRecordsToList()).extracting(TestRecord::key)
        .containsExactly("shop-web", byOther.getEvent().getEventId(), null);
  }

  // --- A record that makes the enricher throw is dead-lettered once; the next records flow ---

  /** An enricher whose calls fail (not as an outage) whenever they carry the poison user agent. */
  private static final String POISON_USER_AGENT = "poison/1.0";

  private final List<Integer> wrappedCalls = new ArrayList<>();

  private Enricher throwingOnPoison(Enricher delegate) {
    return items -> {
      wrappedCalls.add(items.size());
      if (items.stream().anyMatch(i -> i.getContext().getUserAgent().toStringUtf8().equals(POISON_USER_AGENT))) {
        return java.util.concurrent.CompletableFuture.failedFuture(
            new IllegalStateException("a bug this input triggers"));
      }
      return delegate.enrich(items);
    };
  }

  @Test
  void aRecordThatMakesTheEnrichmentCallThrowIsDeadLetteredOnceAndTheRestOfItsBatchAndTheNextRecordsFlow() {
    start(3, 100, OnUnavailable.WAIT, Duration.ofMinutes(5), this::throwingOnPoison,
        SchemaStore.at("classpath:schemas"));
    RawEvent ok1 = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    RawEvent poison = Events.raw("e-poison", "page_view", "1-0-0", Events.PAGE_VIEW, POISON_USER_AGENT);
    RawEvent ok2 = Events.raw("link_click", "1-0-0", Events.LINK_CLICK);
    send(ok1);
    send(poison);
    send(ok2); // the batch of three fails; its records go one per call

    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventId())
        .containsExactly(ok1.getEvent().getEventId(), ok2.getEvent().getEventId());
    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).getReason()).isEqualTo(ReasonCode.ENRICHMENT_FAILED);
    assertThat(dead.get(0).getEventId()).isEqualTo("e-poison");
    assertThat(dead.get(0).getMessage()).contains("while enriching it")
        .contains("IllegalStateException: a bug this input triggers");
    assertThat(dead.get(0).getOriginal().toByteArray()).isEqualTo(poison.toByteArray());
    assertThat(dead.get(0).getSourceOffset()).isEqualTo(1);
    assertThat(wrappedCalls).as("the batch, then each of its records alone").containsExactly(3, 1, 1, 1);

    // Batching goes on as before.
    List<String> next = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RawEvent e = Events.raw("page_view", "1-0-0", "{\"path\":\"/n/" + i + "\"}");
      next.add(e.getEvent().getEventId());
      send(e);
    }
    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventId())
        .containsExactlyElementsOf(next);
    assertThat(wrappedCalls).containsExactly(3, 1, 1, 1, 3);
    tick(Duration.ofMinutes(1));
    assertThat(deadLetters.isEmpty()).as("dead-lettered once, never again").isTrue();
  }

  @Test
  void aRecordThatMakesItsLoneCallThrowIsDeadLetteredWithoutRetries() {
    start(1, 100, OnUnavailable.WAIT, Duration.ofMinutes(5), this::throwingOnPoison,
        SchemaStore.at("classpath:schemas"));
    send(Events.raw("e-poison", "page_view", "1-0-0", Events.PAGE_VIEW, POISON_USER_AGENT));
    RawEvent after = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    send(after);
    tick(Duration.ofMinutes(1));

    assertThat(deadLetters.readValuesToList()).extracting(DeadLetter::getEventId).containsExactly("e-poison");
    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventId())
        .containsExactly(after.getEvent().getEventId());
    assertThat(wrappedCalls).containsExactly(1, 1);
  }

  @Test
  void anEnricherThatAnswersTheWrongNumberOfResultsDeadLettersTheRecordItCannotAnswer() {
    start(2, 100, OnUnavailable.WAIT, Duration.ofMinutes(5), delegate -> items -> {
      var answer = delegate.enrich(items);
      boolean poisoned = items.stream()
          .anyMatch(i -> i.getContext().getUserAgent().toStringUtf8().equals(POISON_USER_AGENT));
      return poisoned ? answer.thenApply(r -> r.subList(0, r.size() - 1)) : answer;
    }, SchemaStore.at("classpath:schemas"));
    RawEvent ok = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    send(ok);
    send(Events.raw("e-poison", "page_view", "1-0-0", Events.PAGE_VIEW, POISON_USER_AGENT));

    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventId())
        .containsExactly(ok.getEvent().getEventId());
    DeadLetter dl = deadLetters.readValue();
    assertThat(dl.getEventId()).isEqualTo("e-poison");
    assertThat(dl.getMessage()).contains("0 results for 1 items");
  }

  /** Schemas from the jar, except that looking up {@code type} throws {@code failure}. */
  private static SchemaStore failingFor(String type, RuntimeException failure) {
    SchemaStore shipped = SchemaStore.at("classpath:schemas");
    return new SchemaStore() {
      @Override
      public java.util.Optional<java.io.InputStream> open(String eventType, String version) {
        if (eventType.equals(type)) {
          throw failure;
        }
        return shipped.open(eventType, version);
      }

      @Override
      public String describe() {
        return shipped.describe();
      }
    };
  }

  @Test
  void aRecordThatMakesTheValidatorThrowIsDeadLetteredAndTheNextRecordsFlow() {
    start(1, 100, OnUnavailable.WAIT, Duration.ofMinutes(5), e -> e,
        failingFor("crash_type", new IllegalArgumentException("cannot handle this")));
    RawEvent crash = Events.raw("crash_type", "1-0-0", "{}");
    send(crash);
    send(crash); // deterministic: the same again
    RawEvent after = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    send(after);

    List<TestRecord<String, DeadLetter>> dead = deadLetters.readRecordsToList();
    assertThat(dead).hasSize(2).allSatisfy(r -> {
      assertThat(r.key()).isEqualTo(crash.getEvent().getEventId());
      assertThat(r.value().getReason()).isEqualTo(ReasonCode.ENRICHMENT_FAILED);
      assertThat(r.value().getMessage()).contains("while validating its payload")
          .contains("IllegalArgumentException: cannot handle this");
      assertThat(r.value().getEventType()).isEqualTo("crash_type");
    });
    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventId())
        .containsExactly(after.getEvent().getEventId());
  }

  @Test
  void aFailureThatIsNotTheRecordsIsThrownNotDeadLettered() {
    start(1, 100, OnUnavailable.WAIT, Duration.ofMinutes(5), e -> e,
        failingFor("page_view", new java.io.UncheckedIOException(new java.io.IOException("disk gone"))));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> send(Events.raw("page_view", "1-0-0", Events.PAGE_VIEW)))
        .hasRootCauseInstanceOf(java.io.IOException.class).hasRootCauseMessage("disk gone");
    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(enriched.isEmpty()).isTrue();
  }

  @Test
  void onlyFailuresOfKafkaTheStoreOrTheMachineAreNotTheRecords() {
    assertThat(EnrichProcessor.causedByTheRecord(new IllegalStateException("bug"))).isTrue();
    assertThat(EnrichProcessor.causedByTheRecord(new NullPointerException())).isTrue();
    assertThat(EnrichProcessor.causedByTheRecord(new StackOverflowError())).isTrue();
    assertThat(EnrichProcessor.causedByTheRecord(
        new org.apache.kafka.streams.errors.ProcessorStateException("store"))).isFalse();
    assertThat(EnrichProcessor.causedByTheRecord(
        new RuntimeException(new org.apache.kafka.common.errors.TimeoutException("broker")))).isFalse();
    assertThat(EnrichProcessor.causedByTheRecord(new java.io.UncheckedIOException(new java.io.IOException()))).isFalse();
    assertThat(EnrichProcessor.causedByTheRecord(new OutOfMemoryError())).isFalse();
  }

  @Test
  void anEnrichedEventTooLargeForTheProducerIsDeadLetteredAndItsDeadLetterFits() {
    RawEvent big = Events.raw("page_view", "1-0-0", "{\"path\":\"/" + "x".repeat(2000) + "\"}");
    maxRecordBytes = big.getSerializedSize() + 50; // the raw record fits; enriched, or as a dead letter, it does not
    start();
    send(big);
    RawEvent small = Events.raw("page_view", "1-0-0", Events.PAGE_VIEW);
    send(small);

    assertThat(enriched.readValuesToList()).extracting(e -> e.getRaw().getEvent().getEventId())
        .containsExactly(small.getEvent().getEventId());
    TestRecord<String, DeadLetter> dl = deadLetters.readRecord();
    assertThat(dl.value().getReason()).isEqualTo(ReasonCode.ENRICHMENT_FAILED);
    assertThat(dl.value().getEventId()).isEqualTo(big.getEvent().getEventId());
    assertThat(dl.value().getMessage()).contains("over the producer's max.request.size of " + maxRecordBytes)
        .contains("original truncated to");
    assertThat(big.toByteString().startsWith(dl.value().getOriginal())).isTrue();
    assertThat(EnrichProcessor.recordBytes(dl.key(), dl.value().getSerializedSize(), dl.headers()))
        .isLessThanOrEqualTo(maxRecordBytes);
    assertThat(deadLetters.isEmpty()).isTrue();
  }
}
