package dev.millrace.replay;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Transport;
import java.time.Instant;

/** Dead letters as the collector and the enricher write them. */
final class Letters {

  static final Instant T0 = Instant.parse("2026-12-07T08:00:00Z");

  static RawEvent raw(String eventId, String type) {
    return RawEvent.newBuilder()
        .setEvent(Event.newBuilder().setEventId(eventId).setEventType(type).setSchemaVersion("1-0-1")
            .setSource("shop-web").setPayloadJson("{\"plan\":\"pro\",\"seats\":2}"))
        .setMetadata(CollectorMetadata.newBuilder().setRequestId("req-1").setWriteKeyId("shop")
            .setClientIp("203.0.113.7").setTransport(Transport.TRANSPORT_REST).setBatchIndex(4))
        .build();
  }

  static Found enricher(long offset, String eventId, String type, ReasonCode reason, Instant failedAt) {
    RawEvent raw = raw(eventId, type);
    return new Found(WireNames.ENRICHER_DEAD_LETTER_TOPIC, 0, offset, DeadLetter.newBuilder()
        .setStage(Stage.STAGE_ENRICHER).setReason(reason).setOriginal(raw.toByteString())
        .setSourceTopic(WireNames.RAW_TOPIC).setSourceOffset(offset)
        .setFailedAt(ts(failedAt)).setEventId(eventId).setEventType(type).setSchemaVersion("1-0-1")
        .setMetadata(raw.getMetadata()).build());
  }

  static Found enricher(long offset, ReasonCode reason) {
    return enricher(offset, "e-" + offset, "plan_changed", reason, T0);
  }

  static Found collector(long offset, Transport transport, ByteString original, ReasonCode reason) {
    return new Found(WireNames.COLLECTOR_DEAD_LETTER_TOPIC, 0, offset, DeadLetter.newBuilder()
        .setStage(Stage.STAGE_COLLECTOR).setReason(reason).setOriginal(original).setSourcePartition(-1)
        .setSourceOffset(-1).setFailedAt(ts(T0)).setEventId("c-" + offset)
        .setMetadata(CollectorMetadata.newBuilder().setTransport(transport)).build());
  }

  static Found loader(long offset) {
    return new Found("millrace.dead-letter.batch-loader", 0, offset, DeadLetter.newBuilder()
        .setStage(Stage.STAGE_BATCH_LOADER).setReason(ReasonCode.LOADER_UNDECODABLE)
        .setOriginal(ByteString.copyFromUtf8("x")).setFailedAt(ts(T0)).build());
  }

  static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  private Letters() {}
}
