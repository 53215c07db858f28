package dev.millrace.batch.support;

import com.google.protobuf.Timestamp;
import dev.millrace.proto.v1.BotScore;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Enrichment;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.Transport;
import dev.millrace.proto.v1.UserAgentInfo;
import java.time.Instant;

/** Enriched events for tests. */
public final class Events {

  public static EnrichedEvent enriched(String eventId, String type, Instant receivedAt) {
    Timestamp received = Timestamp.newBuilder().setSeconds(receivedAt.getEpochSecond())
        .setNanos(receivedAt.getNano()).build();
    return EnrichedEvent.newBuilder()
        .setRaw(RawEvent.newBuilder()
            .setEvent(Event.newBuilder().setEventId(eventId).setEventType(type)
                .setSchemaVersion("1-0-0").setOccurredAt(received).setSource("shop-web")
                .setContext(Context.newBuilder().setUserAgent("Mozilla/5.0").setLocale("en-GB"))
                .setPayloadJson("{\"price\":12.50,\"sku\":\"A-1\"}"))
            .setMetadata(CollectorMetadata.newBuilder().setReceivedAt(received)
                .setCollectorInstance("c-1").setRequestId("r-1").setTransport(Transport.TRANSPORT_REST)
                .setBatchIndex(3)))
        .setEnrichment(Enrichment.newBuilder()
            .setUserAgent(UserAgentInfo.newBuilder().setDeviceClass("Desktop").setAgentName("Firefox"))
            .setBot(BotScore.newBuilder().setScore(0.25).setModelVersion("m1"))
            .setEnrichmentVersion("1.0.0").addApplied("user_agent").addApplied("bot"))
        .setEnrichedAt(received)
        .build();
  }

  private Events() {}
}
