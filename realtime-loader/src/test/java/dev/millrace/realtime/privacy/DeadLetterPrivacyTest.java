package dev.millrace.realtime.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.millrace.enrichment.Enrichments;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.config.EnrichmentConfig.ContextField;
import dev.millrace.enrichment.config.EnrichmentConfig.OnInvalidIp;
import dev.millrace.enrichment.config.EnrichmentConfig.OnWrongType;
import dev.millrace.enrichment.config.EnrichmentSwitch;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Transport;
import dev.millrace.realtime.Events;
import dev.millrace.realtime.config.RealtimeProperties.TimeField;
import dev.millrace.realtime.index.DocumentMapper;
import dev.millrace.realtime.index.LoaderDocument;
import dev.millrace.realtime.index.Origin;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Dead letters in Elasticsearch show their original exactly as the enrichment API would have
 * passed it on. The expectations are the enrichment API's own answers ({@link Enrichments}, the
 * code behind its gRPC method) for the same event under the same configuration, never values
 * written out here.
 */
class DeadLetterPrivacyTest {

  static final JsonMapper JSON = JsonMapper.builder().build();
  /** A test value only; a real key is given as MILLRACE_ENRICHMENT_PII_KEY and never committed. */
  static final String KEY = "test-only-pii-key-0123456789abcdef0123456789";

  static final String USER_ID = "alice-4242";
  static final String ANONYMOUS_ID = "device-77aa";
  static final String CONTEXT_IP = "203.0.113.77";
  static final String CLIENT_IP = "2001:db8:1234:5678:9abc::42";
  static final String EMAIL = "alice.smith@example.com";
  static final String PHONE = "+44 20 7946 0958";
  static final String NAME = "Alice Smith";
  static final String PAYLOAD = "{\"email\":\"" + EMAIL + "\",\"user\":{\"phone\":\"" + PHONE + "\",\"plan\":\"gold\"},"
      + "\"name\":\"" + NAME + "\",\"price\":12345678901234567890.10}";
  /** Every raw value that must not reach the index in any form. */
  static final List<String> RAW = List.of(USER_ID, ANONYMOUS_ID, CONTEXT_IP, CLIENT_IP, "2001:db8:1234:5678:9abc",
      EMAIL, PHONE, "7946", NAME);

  /** PII on for both context ids and three payload paths (one only for signups); IPs cut to /16 and /32. */
  static EnrichmentConfig config(EnrichmentSwitch pii, EnrichmentSwitch ip) {
    return new EnrichmentConfig(null,
        new EnrichmentConfig.UserAgent(EnrichmentSwitch.DISABLED, null, null),
        new EnrichmentConfig.Campaign(EnrichmentSwitch.DISABLED, null, null, null, null, null, null),
        new EnrichmentConfig.Referrer(EnrichmentSwitch.DISABLED, null, null),
        new EnrichmentConfig.Ip(ip, 2, 32, OnInvalidIp.DROP),
        new EnrichmentConfig.Pii(pii, KEY, List.of(ContextField.USER_ID, ContextField.ANONYMOUS_ID),
            List.of("$.email", "$.user.phone"), Map.of("signup", List.of("$.name")), OnWrongType.FAIL_ITEM, null),
        new EnrichmentConfig.Bot(EnrichmentSwitch.DISABLED, null));
  }

  static final EnrichmentConfig CONFIG = config(EnrichmentSwitch.ENABLED, EnrichmentSwitch.ENABLED);

  final DocumentMapper mapper = mapper(DeadLetterPrivacy.of(CONFIG));

  static DocumentMapper mapper(DeadLetterPrivacy privacy) {
    return new DocumentMapper(Events.indexSettings(TimeField.RECEIVED_AT), JSON, privacy);
  }

  static Context context() {
    return Context.newBuilder()
        .setUserAgent("Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0")
        .setIp(CONTEXT_IP)
        .setPageUrl("https://shop.example.com/signup")
        .setUserId(USER_ID)
        .setAnonymousId(ANONYMOUS_ID)
        .setLocale("en-GB")
        .build();
  }

  static Event event(String payload) {
    return Event.newBuilder().setEventId(Events.eventId(1)).setEventType("signup").setSchemaVersion("1-0-0")
        .setOccurredAt(Events.ts(Events.RECEIVED)).setSource("shop-web").setContext(context())
        .setPayloadJson(payload).build();
  }

  static CollectorMetadata metadata(Transport transport) {
    return CollectorMetadata.newBuilder().setReceivedAt(Events.ts(Events.RECEIVED)).setCollectorInstance("collector-0")
        .setRequestId("req-1").setClientIp(CLIENT_IP).setWriteKeyId("shop-web").setTransport(transport).build();
  }

  /** What the enrichment API answers for this event under {@code config}. */
  static EnrichResult api(EnrichmentConfig config, Event event, String clientIp) {
    EnrichResult result = Enrichments.create(config, new SimpleMeterRegistry()).enrich(EnrichItem.newBuilder()
        .setItemId("1").setEventType(event.getEventType()).setContext(event.getContext())
        .setClientIp(clientIp).setPayloadJson(event.getPayloadJson()).build());
    assertThat(result.hasEnrichment()).as("the API enriches it: %s", result.getError()).isTrue();
    return result;
  }

  static DeadLetter enricherDeadLetter(byte[] original, ReasonCode reason) {
    return DeadLetter.newBuilder().setStage(Stage.STAGE_ENRICHER).setReason(reason)
        .setMessage("payload does not conform").setOriginal(ByteString.copyFrom(original))
        .setSourceTopic("millrace.raw").setSourcePartition(0).setSourceOffset(7).setFailedAt(Events.ts(Events.RECEIVED))
        .setEventId(Events.eventId(1)).setEventType("signup").setMetadata(metadata(Transport.TRANSPORT_REST)).build();
  }

  static DeadLetter collectorDeadLetter(byte[] original, Transport transport) {
    return DeadLetter.newBuilder().setStage(Stage.STAGE_COLLECTOR).setReason(ReasonCode.INVALID_FIELD)
        .setMessage("'extra' is not an event field").setOriginal(ByteString.copyFrom(original))
        .setSourcePartition(-1).setSourceOffset(-1).setFailedAt(Events.ts(Events.RECEIVED))
        .setEventId(Events.eventId(1)).setMetadata(metadata(transport)).build();
  }

  static final Origin ORIGIN = new Origin("millrace.dead-letter.enricher", 0, 3, 0, Events.eventId(1));

  static String text(LoaderDocument doc) {
    return new String(doc.source(), StandardCharsets.UTF_8);
  }

  static void assertNoRawValue(LoaderDocument doc, byte[] original) {
    String source = text(doc);
    assertThat(RAW).allSatisfy(raw -> assertThat(source).as("raw value %s", raw).doesNotContain(raw));
    assertThat(source).doesNotContain(Base64.getEncoder().encodeToString(original));
    assertThat(JSON.readTree(doc.source()).has("original")).as("no bytes of the original").isFalse();
  }

  /** The document shows what the API would have passed on: the same pseudonyms, the same anonymised IPs. */
  static void assertSanitisedAsTheApiWould(JsonNode doc, EnrichResult api) {
    JsonNode context = doc.at("/original_event/context");
    assertThat(context.get("user_id").asString()).isEqualTo(api.getPseudonymizedContext().getUserId());
    assertThat(context.get("anonymous_id").asString()).isEqualTo(api.getPseudonymizedContext().getAnonymousId());
    assertThat(context.get("ip").asString()).isEqualTo(api.getPseudonymizedContext().getIp()).isEqualTo("203.0.0.0");
    assertThat(context.get("page_url").asString()).isEqualTo(api.getPseudonymizedContext().getPageUrl());
    assertThat(doc.at("/original_event/payload")).isEqualTo(JSON.readTree(api.getPseudonymizedPayloadJson()));
    assertThat(doc.at("/original_event/payload/user/plan").asString()).isEqualTo("gold");
    assertThat(doc.at("/metadata/client_ip").asString()).isEqualTo(api.getAnonymizedClientIp()).isEqualTo("2001:db8::");
  }

  @Test
  void anEnricherDeadLetterShowsItsRawEventPseudonymisedExactlyAsTheApiWould() {
    Event event = event(PAYLOAD);
    byte[] original = RawEvent.newBuilder().setEvent(event).setMetadata(metadata(Transport.TRANSPORT_REST))
        .build().toByteArray();
    EnrichResult api = api(CONFIG, event, CLIENT_IP);

    LoaderDocument doc = mapper.deadLetter(enricherDeadLetter(original, ReasonCode.SCHEMA_VIOLATION), ORIGIN);
    JsonNode json = JSON.readTree(doc.source());

    assertSanitisedAsTheApiWould(json, api);
    assertThat(json.at("/original_event/metadata/client_ip").asString()).isEqualTo(api.getAnonymizedClientIp());
    assertThat(json.at("/original_event/event_type").asString()).isEqualTo("signup");
    assertThat(json.get("original_format").asString()).isEqualTo("raw_event");
    assertThat(json.get("original_bytes").asInt()).isEqualTo(original.length);
    assertThat(json.has("original_withheld")).isFalse();
    assertNoRawValue(doc, original);
  }

  @Test
  void aCollectorDeadLetterOfARestEventShowsTheJsonSentPseudonymisedExactlyAsTheApiWould() {
    String payload = "{ \"email\" : \"" + EMAIL + "\", \"user\": {\"phone\": \"" + PHONE + "\", \"plan\": \"gold\"},"
        + " \"name\": \"" + NAME + "\", \"price\": 12345678901234567890.10 }";
    String json = "{\"event_id\":\"" + Events.eventId(1) + "\",\"event_type\":\"signup\",\"schema_version\":\"1-0-0\","
        + "\"occurred_at\":\"2026-11-20T10:15:30Z\",\"source\":\"shop-web\",\"context\":{\"user_agent\":\"Firefox\","
        + "\"ip\":\"" + CONTEXT_IP + "\",\"page_url\":\"https://shop.example.com/signup\",\"user_id\":\"" + USER_ID + "\","
        + "\"anonymous_id\":\"" + ANONYMOUS_ID + "\",\"nickname\":\"" + NAME + "\"},\"payload\":" + payload + ","
        + "\"extra\":{\"contact\":\"" + EMAIL + "\"}}";
    byte[] original = json.getBytes(StandardCharsets.UTF_8);
    // What the collector would have passed on: the payload as the exact bytes sent.
    Event asAccepted = event(payload).toBuilder()
        .setContext(context().toBuilder().setUserAgent("Firefox").clearLocale()).build();
    EnrichResult api = api(CONFIG, asAccepted, CLIENT_IP);

    LoaderDocument doc = mapper.deadLetter(collectorDeadLetter(original, Transport.TRANSPORT_REST),
        new Origin("millrace.dead-letter.collector", 1, 4, 0, ""));
    JsonNode out = JSON.readTree(doc.source());

    assertSanitisedAsTheApiWould(out, api);
    assertThat(out.get("original_format").asString()).isEqualTo("event_json");
    assertThat(out.at("/original_event/occurred_at").asString()).isEqualTo("2026-11-20T10:15:30Z");
    assertThat(out.at("/original_event/context").has("nickname")).as("not a context field: left out").isFalse();
    assertThat(out.at("/original_event").has("extra")).as("not an event field: left out").isFalse();
    assertNoRawValue(doc, original);
  }

  @Test
  void aCollectorDeadLetterOfAGrpcEventShowsItPseudonymisedExactlyAsTheApiWould() {
    Event event = event(PAYLOAD);
    byte[] original = event.toByteArray();
    EnrichResult api = api(CONFIG, event, CLIENT_IP);

    LoaderDocument doc = mapper.deadLetter(collectorDeadLetter(original, Transport.TRANSPORT_GRPC),
        new Origin("millrace.dead-letter.collector", 1, 5, 0, ""));

    assertSanitisedAsTheApiWould(JSON.readTree(doc.source()), api);
    assertThat(JSON.readTree(doc.source()).get("original_format").asString()).isEqualTo("event_protobuf");
    assertNoRawValue(doc, original);
  }

  @Test
  void anOriginalThatCannotBeParsedIsShownOnlyByItsSize() {
    byte[] cut = ("{\"event_id\":\"x\",\"context\":{\"user_id\":\"" + USER_ID + "\",\"ip\":\"" + CONTEXT_IP
        + "\"},\"payload\":{\"email\":\"" + EMAIL).getBytes(StandardCharsets.UTF_8);
    byte[] twice = ("{\"context\":{\"user_id\":\"" + USER_ID + "\"},\"context\":{\"user_id\":\"" + NAME + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
    byte[] garbage = ("\u0000\u0001" + EMAIL).getBytes(StandardCharsets.UTF_8);

    for (DeadLetter deadLetter : List.of(collectorDeadLetter(cut, Transport.TRANSPORT_REST),
        collectorDeadLetter(twice, Transport.TRANSPORT_REST),
        enricherDeadLetter(garbage, ReasonCode.UNDECODABLE),
        enricherDeadLetter(garbage, ReasonCode.SCHEMA_VIOLATION))) {
      LoaderDocument doc = mapper.deadLetter(deadLetter, ORIGIN);
      JsonNode json = JSON.readTree(doc.source());

      assertThat(json.get("original_withheld").asString()).isEqualTo("unreadable");
      assertThat(json.get("original_bytes").asInt()).isEqualTo(deadLetter.getOriginal().size());
      assertThat(json.has("original_event")).isFalse();
      assertThat(json.get("reason").asString()).isEqualTo(deadLetter.getReason().name());
      assertThat(json.at("/metadata/client_ip").asString()).isEqualTo("2001:db8::");
      assertNoRawValue(doc, deadLetter.getOriginal().toByteArray());
    }
  }

  @Test
  void aPayloadTheApiWouldRefuseIsLeftOutAndTheRestIsShown() {
    Event wrongType = event("{\"email\":{\"address\":\"" + EMAIL + "\"}}");
    Event notAnObject = event("\"" + EMAIL + "\"");
    Event keyTwice = event("{\"email\":\"x\",\"email\":\"" + EMAIL + "\"}");

    String pseudonym = api(CONFIG, event(PAYLOAD), "").getPseudonymizedContext().getUserId();

    for (Event event : List.of(wrongType, notAnObject, keyTwice)) {
      byte[] original = RawEvent.newBuilder().setEvent(event).build().toByteArray();
      LoaderDocument doc = mapper.deadLetter(enricherDeadLetter(original, ReasonCode.ENRICHMENT_FAILED), ORIGIN);
      JsonNode json = JSON.readTree(doc.source());

      assertThat(json.get("original_withheld").asString()).isEqualTo("payload_not_pseudonymisable");
      assertThat(json.at("/original_event").has("payload")).isFalse();
      assertThat(json.at("/original_event/context/user_id").asString()).isEqualTo(pseudonym);
      assertNoRawValue(doc, original);
    }
  }

  @Test
  void withPiiOnButNoKeyConfiguredNoOriginalIsShownAndIpsAreStillAnonymised() {
    byte[] original = RawEvent.newBuilder().setEvent(event(PAYLOAD)).build().toByteArray();
    DocumentMapper noKey = mapper(DeadLetterPrivacy.withoutPiiKey(CONFIG.ip()));

    LoaderDocument doc = noKey.deadLetter(enricherDeadLetter(original, ReasonCode.SCHEMA_VIOLATION), ORIGIN);
    JsonNode json = JSON.readTree(doc.source());

    assertThat(json.get("original_withheld").asString()).isEqualTo("pii_key_not_configured");
    assertThat(json.get("original_format").asString()).isEqualTo("raw_event");
    assertThat(json.has("original_event")).isFalse();
    assertThat(json.at("/metadata/client_ip").asString()).isEqualTo("2001:db8::");
    assertNoRawValue(doc, original);
  }

  @Test
  void whatTheApiIsConfiguredToPassOnUnchangedTheDeadLetterShowsUnchangedToo() {
    // PII and IP anonymisation switched off: the API passes ids and IPs through, and so does the
    // loader (the enriched events carry them anyway). The same configuration, the same outcome.
    EnrichmentConfig off = config(EnrichmentSwitch.DISABLED, EnrichmentSwitch.DISABLED);
    Event event = event(PAYLOAD);
    byte[] original = RawEvent.newBuilder().setEvent(event).build().toByteArray();
    EnrichResult api = api(off, event, CLIENT_IP);

    JsonNode json = JSON.readTree(mapper(DeadLetterPrivacy.of(off))
        .deadLetter(enricherDeadLetter(original, ReasonCode.SCHEMA_VIOLATION), ORIGIN).source());

    assertThat(json.at("/original_event/context/user_id").asString()).isEqualTo(api.getPseudonymizedContext().getUserId())
        .isEqualTo(USER_ID);
    assertThat(json.at("/original_event/context/ip").asString()).isEqualTo(api.getPseudonymizedContext().getIp());
    assertThat(json.at("/original_event/payload")).isEqualTo(JSON.readTree(api.getPseudonymizedPayloadJson()));
    assertThat(json.at("/metadata/client_ip").asString()).isEqualTo(api.getAnonymizedClientIp());
  }

  @Test
  void anIpThatIsNotAnIpLiteralIsNeverShown() {
    Event event = event("{}").toBuilder().setContext(context().toBuilder().setIp("not-an-ip " + EMAIL)).build();
    DeadLetter deadLetter = enricherDeadLetter(RawEvent.newBuilder().setEvent(event).build().toByteArray(),
        ReasonCode.SCHEMA_VIOLATION).toBuilder()
        .setMetadata(metadata(Transport.TRANSPORT_REST).toBuilder().setClientIp("bogus " + EMAIL)).build();

    LoaderDocument doc = mapper.deadLetter(deadLetter, ORIGIN);

    assertThat(JSON.readTree(doc.source()).at("/original_event/context").has("ip")).isFalse();
    assertThat(JSON.readTree(doc.source()).at("/metadata").has("client_ip")).isFalse();
    assertThat(text(doc)).doesNotContain(EMAIL);
  }
}
