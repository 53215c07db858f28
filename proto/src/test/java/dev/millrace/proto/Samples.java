package dev.millrace.proto;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.v1.*;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Realistic, fully populated instances of every message, for the contract tests. */
final class Samples {

  static final Timestamp OCCURRED = Timestamp.newBuilder().setSeconds(1_790_000_000L).setNanos(123_000_000).build();
  static final Timestamp RECEIVED = Timestamp.newBuilder().setSeconds(1_790_000_001L).setNanos(5_000).build();

  static Context context() {
    return Context.newBuilder()
        .setUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
        .setIp("2001:db8::8a2e:370:7334")
        .setPageUrl("https://shop.example.com/p/42?utm_source=news&utm_medium=email&gclid=abc")
        .setReferrer("https://www.google.com/search?q=kettle")
        .setUserId("user-981")
        .setAnonymousId("c0ffee00-0000-4000-8000-000000000001")
        .setLocale("en-GB")
        .build();
  }

  static Event event() {
    return Event.newBuilder()
        .setEventId("6f1c2b0e-7c43-4a47-9c1e-6b1f0f5d2a10")
        .setEventType("add_to_cart")
        .setSchemaVersion("1-0-0")
        .setOccurredAt(OCCURRED)
        .setSource("shop-web")
        .setContext(context())
        // A number beyond double precision and non-ASCII text: the payload is kept exactly.
        .setPayloadJson("{\"sku\":\"KET-01\",\"qty\":2,\"price\":12345678901234567890.01,\"note\":\"thé ☕\"}")
        .build();
  }

  static CollectorMetadata metadata() {
    return CollectorMetadata.newBuilder()
        .setReceivedAt(RECEIVED)
        .setCollectorInstance("collector-0")
        .setRequestId("req-01HZX")
        .setClientIp("203.0.113.7")
        .setWriteKeyId("shop-web")
        .setTransport(Transport.TRANSPORT_REST)
        .setBatchIndex(3)
        .setReplayId("8d0e3f8a-2b6c-4f3e-9a41-3c5d7e9f1b20")
        .build();
  }

  static RawEvent raw() {
    return RawEvent.newBuilder().setEvent(event()).setMetadata(metadata()).build();
  }

  static Enrichment enrichment() {
    return Enrichment.newBuilder()
        .setUserAgent(UserAgentInfo.newBuilder()
            .setDeviceClass("Desktop").setOsName("Windows NT").setOsVersion("10.0")
            .setAgentName("Chrome").setAgentVersion("124.0.0.0").setAgentClass("Browser"))
        .setCampaign(Campaign.newBuilder()
            .setSource("news").setMedium("email").setName("spring").setTerm("kettle").setContent("hero")
            .setClickId("abc").setClickIdType(ClickIdType.CLICK_ID_TYPE_GCLID))
        .setReferrer(ReferrerInfo.newBuilder()
            .setReferrerClass(ReferrerClass.REFERRER_CLASS_SEARCH).setName("Google")
            .setHost("www.google.com").setSearchTerm("kettle"))
        .setAnonymizedIp("203.0.113.0")
        .setBot(BotScore.newBuilder().setScore(0.97).setIsBot(true).setModelVersion("bot-lr-1"))
        .setEnrichmentVersion("1.0.0")
        .addAllApplied(List.of("user_agent", "campaign", "referrer", "ip", "pii", "bot"))
        .build();
  }

  static EnrichedEvent enriched() {
    return EnrichedEvent.newBuilder()
        .setRaw(raw())
        .setEnrichment(enrichment())
        .setEnrichedAt(Timestamp.newBuilder().setSeconds(1_790_000_002L))
        .build();
  }

  static DeadLetter deadLetter() {
    return DeadLetter.newBuilder()
        .setStage(Stage.STAGE_ENRICHER)
        .setReason(ReasonCode.SCHEMA_VIOLATION)
        .setMessage("payload does not conform to add_to_cart 1-0-0: 1 violation")
        .setOriginal(ByteString.copyFrom("{\"not\":\"proto\"}", StandardCharsets.UTF_8))
        .setSourceTopic(WireNames.RAW_TOPIC)
        .setSourcePartition(2)
        .setSourceOffset(1_234_567L)
        .setFailedAt(RECEIVED)
        .setEventId("6f1c2b0e-7c43-4a47-9c1e-6b1f0f5d2a10")
        .setEventType("add_to_cart")
        .setSchemaVersion("1-0-0")
        .setMetadata(metadata())
        .addViolations(violation())
        .build();
  }

  static Violation violation() {
    return Violation.newBuilder().setPointer("/payload/qty").setMessage("must be >= 1").setKeyword("minimum").build();
  }

  static EventBatch eventBatch() {
    return EventBatch.newBuilder().addEvents(event()).addEvents(event().toBuilder().setEventId("bad")).build();
  }

  static EventResult rejectedResult() {
    return EventResult.newBuilder()
        .setIndex(1).setEventId("bad").setStatus(EventStatus.EVENT_STATUS_REJECTED)
        .setReason(ReasonCode.INVALID_EVENT_ID).setField("/event_id").setMessage("event_id is not a UUID")
        .build();
  }

  static BatchResult batchResult() {
    return BatchResult.newBuilder()
        .setRequestId("req-01HZX").setAccepted(1).setRejected(1)
        .addResults(EventResult.newBuilder().setIndex(0).setEventId(event().getEventId()).setStatus(EventStatus.EVENT_STATUS_ACCEPTED))
        .addResults(rejectedResult())
        .build();
  }

  static EnrichItem enrichItem() {
    return EnrichItem.newBuilder()
        .setItemId("6f1c2b0e-7c43-4a47-9c1e-6b1f0f5d2a10").setEventType("signup")
        .setContext(context()).setClientIp("203.0.113.7").setPayloadJson("{\"email\":\"a@example.com\"}")
        .build();
  }

  static EnrichRequest enrichRequest() {
    return EnrichRequest.newBuilder().addItems(enrichItem()).build();
  }

  static EnrichError enrichError() {
    return EnrichError.newBuilder()
        .setCode(EnrichErrorCode.ENRICH_ERROR_CODE_INVALID_INPUT)
        .setMessage("payload_json is not a JSON object").setEnrichment("pii")
        .build();
  }

  static EnrichResult enrichOk() {
    return EnrichResult.newBuilder()
        .setItemId("6f1c2b0e-7c43-4a47-9c1e-6b1f0f5d2a10")
        .setEnrichment(enrichment())
        .setPseudonymizedContext(context().toBuilder().setUserId("hmac:3f9a"))
        .setPseudonymizedPayloadJson("{\"email\":\"hmac:77aa\"}")
        .setAnonymizedClientIp("203.0.113.0")
        .build();
  }

  static EnrichResult enrichFailed() {
    return EnrichResult.newBuilder().setItemId("x").setError(enrichError()).build();
  }

  static EnrichResponse enrichResponse() {
    return EnrichResponse.newBuilder().addResults(enrichOk()).addResults(enrichFailed()).build();
  }

  static ReplayRecord replayRecord() {
    return ReplayRecord.newBuilder()
        .setReplayId("8d0e3f8a-2b6c-4f3e-9a41-3c5d7e9f1b20")
        .setDeadLetterTopic("millrace.dead-letter.enricher")
        .setDeadLetterPartition(2)
        .setDeadLetterOffset(4711)
        .setStage(Stage.STAGE_ENRICHER)
        .setReason(ReasonCode.SCHEMA_VIOLATION)
        .setEventId("6f1c2b0e-7c43-4a47-9c1e-6b1f0f5d2a10")
        .setReplayedAt(RECEIVED)
        .setTarget("millrace.raw")
        .setForced(true)
        .build();
  }

  /** Samples that set every field (the other oneof member of EnrichResult is in {@link #all}). */
  static List<Message> complete() {
    return all().stream().filter(m -> m != ENRICH_FAILED).toList();
  }

  private static final EnrichResult ENRICH_FAILED = enrichFailed();

  /** Every sample; the contract test checks that each message type of millrace.v1 has one. */
  static List<Message> all() {
    return List.of(context(), event(), metadata(), raw(), enrichment(), enrichment().getUserAgent(),
        enrichment().getCampaign(), enrichment().getReferrer(), enrichment().getBot(), enriched(),
        deadLetter(), violation(), eventBatch(), rejectedResult(), batchResult(), enrichItem(),
        enrichRequest(), enrichError(), enrichOk(), ENRICH_FAILED, enrichResponse(), replayRecord());
  }

  private Samples() {}
}
