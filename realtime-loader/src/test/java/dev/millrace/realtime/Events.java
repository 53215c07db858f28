package dev.millrace.realtime;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.v1.BotScore;
import dev.millrace.proto.v1.Campaign;
import dev.millrace.proto.v1.ClickIdType;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Enrichment;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.ReferrerClass;
import dev.millrace.proto.v1.ReferrerInfo;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Transport;
import dev.millrace.proto.v1.UserAgentInfo;
import dev.millrace.proto.v1.Violation;
import dev.millrace.realtime.config.RealtimeProperties;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/** Realistic enriched events and dead letters, as the enricher and collector write them. */
public final class Events {

  /** 2026-11-20T10:15:30Z. */
  public static final Instant RECEIVED = Instant.parse("2026-11-20T10:15:30Z");

  private Events() {}

  /** The index settings' defaults, with the given time field. */
  public static RealtimeProperties.Index indexSettings(RealtimeProperties.TimeField field) {
    return new RealtimeProperties.Index("millrace-events", "millrace-events", "millrace-dead-letters",
        "millrace-dead-letters", "yyyy.MM.dd", field, 1, 1, 1000, 20, 1024,
        RealtimeProperties.Index.defaultRefreshInterval());
  }

  public static String eventId(int n) {
    return new UUID(0x6f1c2b0e7c434a47L, n).toString();
  }

  public static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  public static EnrichedEvent enriched(int n) {
    return enriched(eventId(n), "{\"sku\":\"KET-" + n + "\",\"qty\":2,\"price\":12345678901234567890.01,"
        + "\"cart\":{\"items\":[{\"sku\":\"KET-" + n + "\",\"note\":\"thé ☕\"}]}}");
  }

  public static EnrichedEvent enriched(String eventId, String payloadJson) {
    Event event = Event.newBuilder()
        .setEventId(eventId)
        .setEventType("add_to_cart")
        .setSchemaVersion("1-0-0")
        .setOccurredAt(ts(RECEIVED.minusSeconds(2)))
        .setSource("shop-web")
        .setContext(Context.newBuilder()
            .setUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0.0.0 Safari/537.36")
            .setIp("203.0.113.0")
            .setPageUrl("https://shop.example.com/p/42?utm_source=news&utm_medium=email&gclid=abc")
            .setReferrer("https://www.google.com/search?q=kettle")
            .setUserId("pseudo-7f3a")
            .setLocale("en-GB"))
        .setPayloadJson(payloadJson)
        .build();
    CollectorMetadata metadata = CollectorMetadata.newBuilder()
        .setReceivedAt(ts(RECEIVED))
        .setCollectorInstance("collector-0")
        .setRequestId("req-01HZX")
        .setClientIp("203.0.113.0")
        .setWriteKeyId("shop-web")
        .setTransport(Transport.TRANSPORT_REST)
        .setBatchIndex(3)
        .build();
    Enrichment enrichment = Enrichment.newBuilder()
        .setUserAgent(UserAgentInfo.newBuilder().setDeviceClass("Desktop").setOsName("Windows NT")
            .setOsVersion("10.0").setAgentName("Chrome").setAgentVersion("124.0.0.0").setAgentClass("Browser"))
        .setCampaign(Campaign.newBuilder().setSource("news").setMedium("email").setName("spring")
            .setClickId("abc").setClickIdType(ClickIdType.CLICK_ID_TYPE_GCLID))
        .setReferrer(ReferrerInfo.newBuilder().setReferrerClass(ReferrerClass.REFERRER_CLASS_SEARCH)
            .setName("Google").setHost("www.google.com").setSearchTerm("kettle"))
        .setAnonymizedIp("203.0.113.0")
        .setBot(BotScore.newBuilder().setScore(0.12).setIsBot(false).setModelVersion("bot-lr-1"))
        .setEnrichmentVersion("1.0.0")
        .addApplied("user_agent").addApplied("campaign").addApplied("pii")
        .build();
    return EnrichedEvent.newBuilder()
        .setRaw(RawEvent.newBuilder().setEvent(event).setMetadata(metadata))
        .setEnrichment(enrichment)
        .setEnrichedAt(ts(RECEIVED.plusSeconds(1)))
        .build();
  }

  public static DeadLetter collectorDeadLetter(int n) {
    return DeadLetter.newBuilder()
        .setStage(Stage.STAGE_COLLECTOR)
        .setReason(ReasonCode.INVALID_EVENT_ID)
        .setMessage("event_id is not a UUID")
        .setOriginal(ByteString.copyFrom("{\"event_id\":\"nope-" + n + "\"}", StandardCharsets.UTF_8))
        .setSourcePartition(-1)
        .setSourceOffset(-1)
        .setFailedAt(ts(RECEIVED))
        .setEventId("nope-" + n)
        .addViolations(Violation.newBuilder().setPointer("/event_id").setMessage("not a UUID"))
        .build();
  }

  public static DeadLetter enricherDeadLetter(int n) {
    return DeadLetter.newBuilder()
        .setStage(Stage.STAGE_ENRICHER)
        .setReason(ReasonCode.SCHEMA_VIOLATION)
        .setMessage("payload does not conform to add_to_cart 1-0-0")
        .setOriginal(enriched(n).getRaw().toByteString())
        .setSourceTopic("millrace.raw")
        .setSourcePartition(0)
        .setSourceOffset(n)
        .setFailedAt(ts(RECEIVED))
        .setEventId(eventId(n))
        .setEventType("add_to_cart")
        .setSchemaVersion("1-0-0")
        .addViolations(Violation.newBuilder().setPointer("/payload/qty").setMessage("must be >= 1").setKeyword("minimum"))
        .build();
  }
}
