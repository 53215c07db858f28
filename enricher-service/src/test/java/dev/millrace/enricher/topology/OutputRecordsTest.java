package dev.millrace.enricher.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.v1.Campaign;
import dev.millrace.proto.v1.ClickIdType;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Enrichment;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.Transport;
import dev.millrace.proto.v1.UserAgentInfo;
import dev.millrace.proto.views.EnrichResultBytes;
import dev.millrace.proto.views.RawEventBytes;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The enriched event is written from byte views: read back as a millrace.v1.EnrichedEvent it must
 * hold the raw event with exactly its PII replaced, whatever the raw record looked like on the wire.
 */
class OutputRecordsTest {

  private final Random random = new Random(42);

  @Test
  void theEnrichedEventIsTheRawEventWithItsPiiReplacedByTheApisValues() throws Exception {
    for (int i = 0; i < 500; i++) {
      byte[] wire = rawRecord();
      RawEvent in = RawEvent.parseFrom(wire);
      EnrichResult result = result();
      long now = 1_790_000_000_123L + random.nextInt(1_000_000);

      byte[] written = OutputRecords.enriched(RawEventBytes.parseFrom(wire), EnrichResultBytes.parseFrom(result.toByteArray()),
          now).toByteArray();
      EnrichedEvent out = EnrichedEvent.parseFrom(written);

      Event event = out.getRaw().getEvent();
      assertThat(event.getContext()).isEqualTo(result.getPseudonymizedContext());
      assertThat(event.hasContext()).isEqualTo(result.hasPseudonymizedContext());
      assertThat(event.getPayloadJson()).isEqualTo(result.getPseudonymizedPayloadJson());
      assertThat(out.getRaw().getMetadata().getClientIp()).isEqualTo(result.getAnonymizedClientIp());
      // Everything else of the raw event, unknown fields included, is carried over unchanged.
      assertThat(event.toBuilder().clearContext().clearPayloadJson().build())
          .isEqualTo(in.getEvent().toBuilder().clearContext().clearPayloadJson().build());
      assertThat(out.getRaw().getMetadata().toBuilder().clearClientIp().build())
          .isEqualTo(in.getMetadata().toBuilder().clearClientIp().build());
      assertThat(out.getRaw().getUnknownFields()).isEqualTo(in.getUnknownFields());
      assertThat(out.getEnrichment()).isEqualTo(result.getEnrichment());
      assertThat(out.getEnrichedAt()).isEqualTo(Timestamp.newBuilder()
          .setSeconds(now / 1000).setNanos((int) (now % 1000) * 1_000_000).build());
      // And the bytes are what the millrace.v1 classes would write for that event.
      assertThat(written).isEqualTo(out.toByteArray());
    }
  }

  /** A raw record as a collector, an older one or a merging proxy may have written it. */
  private byte[] rawRecord() throws Exception {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    raw().writeTo(wire);
    switch (random.nextInt(4)) {
      case 0 -> raw().writeTo(wire); // a second occurrence: parsers merge the two
      case 1 -> { // a field this version does not know, kept by every reader
        wire.write((15 << 3) | 2);
        wire.write(3);
        wire.write(new byte[] {'n', 'e', 'w'});
      }
      default -> { }
    }
    return wire.toByteArray();
  }

  private RawEvent raw() {
    Event.Builder event = Event.newBuilder()
        .setEventId(text())
        .setEventType(text())
        .setSchemaVersion("1-0-" + random.nextInt(3))
        .setSource(text())
        .setPayloadJson("{\"email\":\"" + text() + "\"}");
    if (random.nextBoolean()) {
      event.setOccurredAt(Timestamp.newBuilder().setSeconds(random.nextInt(2_000_000_000)).setNanos(random.nextInt(999_999_999)));
    }
    if (random.nextInt(5) > 0) {
      event.setContext(context());
    }
    RawEvent.Builder raw = RawEvent.newBuilder().setEvent(event);
    if (random.nextInt(5) > 0) {
      raw.setMetadata(CollectorMetadata.newBuilder()
          .setReceivedAt(Timestamp.newBuilder().setSeconds(random.nextInt(2_000_000_000)))
          .setCollectorInstance(text())
          .setRequestId(text())
          .setClientIp(random.nextBoolean() ? "203.0.113." + random.nextInt(256) : "")
          .setWriteKeyId(text())
          .setTransport(Transport.forNumber(random.nextInt(3)))
          .setBatchIndex(random.nextInt(100)));
    }
    return raw.build();
  }

  private EnrichResult result() {
    EnrichResult.Builder r = EnrichResult.newBuilder().setItemId(Integer.toString(random.nextInt(1000)));
    r.setEnrichment(Enrichment.newBuilder()
        .setUserAgent(UserAgentInfo.newBuilder().setAgentName(text()).setDeviceClass(text()))
        .setCampaign(Campaign.newBuilder().setSource(text()).setClickIdType(ClickIdType.CLICK_ID_TYPE_GCLID))
        .setAnonymizedIp(text())
        .addApplied("user_agent").addApplied(text()));
    if (random.nextInt(4) > 0) {
      r.setPseudonymizedContext(context());
    }
    if (random.nextInt(4) > 0) {
      r.setPseudonymizedPayloadJson("{\"email\":\"" + text() + "\"}");
    }
    if (random.nextBoolean()) {
      r.setAnonymizedClientIp("203.0.113.0");
    }
    return r.build();
  }

  private Context context() {
    Context.Builder c = Context.newBuilder();
    if (random.nextBoolean()) c.setUserAgent(text());
    if (random.nextBoolean()) c.setIp(text());
    if (random.nextBoolean()) c.setPageUrl(text());
    if (random.nextBoolean()) c.setReferrer(text());
    if (random.nextBoolean()) c.setUserId(text());
    if (random.nextBoolean()) c.setAnonymousId(text());
    if (random.nextBoolean()) c.setLocale(text());
    return c.build();
  }

  /** Empty, ASCII, or with characters of two, three and four bytes in UTF-8. */
  private String text() {
    String[] pieces = {"", "a", "kettle", "é", "☕", "😀", "/p/42?utm_source=news"};
    StringBuilder b = new StringBuilder();
    for (int i = random.nextInt(4); i > 0; i--) {
      b.append(pieces[random.nextInt(pieces.length)]);
    }
    return b.toString();
  }

  @Test
  void anEmptyAnswerLeavesNoContextPayloadOrClientIp() throws Exception {
    RawEvent in = raw().toBuilder().setEvent(raw().getEvent().toBuilder().setContext(context())).build();
    byte[] written = OutputRecords.enriched(RawEventBytes.parseFrom(in.toByteArray()),
        EnrichResultBytes.parseFrom(EnrichResult.newBuilder().setItemId("1")
            .setEnrichment(Enrichment.getDefaultInstance()).build().toByteString()), 0L).toByteArray();
    EnrichedEvent out = EnrichedEvent.parseFrom(written);
    assertThat(out.getRaw().getEvent().hasContext()).isFalse();
    assertThat(out.getRaw().getEvent().getPayloadJson()).isEmpty();
    assertThat(out.getRaw().getMetadata().getClientIp()).isEmpty();
    assertThat(ByteString.copyFrom(written).toStringUtf8()).doesNotContain("email");
  }

  @Test
  void aReplayedEventKeepsItsReplayIdWhenEnrichedOrDeadLetteredAgain() throws Exception {
    String replayId = "3f2a1b0c-9d8e-4f70-8a6b-5c4d3e2f1a0b";
    RawEvent in = raw().toBuilder()
        .setMetadata(CollectorMetadata.newBuilder().setRequestId("r").setClientIp("203.0.113.9").setReplayId(replayId))
        .build();
    RawEventBytes view = RawEventBytes.parseFrom(in.toByteArray());

    EnrichedEvent out = EnrichedEvent.parseFrom(OutputRecords.enriched(view, EnrichResultBytes.parseFrom(result().toByteArray()),
        0L).toByteArray());
    assertThat(out.getRaw().getMetadata().getReplayId()).isEqualTo(replayId);
    assertThat(new String(OutputRecords.enrichedHeaders(view).lastHeader(dev.millrace.proto.WireNames.HEADER_REPLAY_ID).value(),
        java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(replayId);

    dev.millrace.proto.v1.DeadLetter again = OutputRecords.deadLetter(dev.millrace.proto.v1.ReasonCode.SCHEMA_VIOLATION, "m",
        in.toByteArray(), new OutputRecords.Source("millrace.raw", 0, 1), view, java.util.List.of(), 0L);
    assertThat(again.getMetadata().getReplayId()).isEqualTo(replayId);

    RawEvent once = raw().toBuilder().setMetadata(CollectorMetadata.newBuilder().setRequestId("r")).build();
    assertThat(OutputRecords.enrichedHeaders(RawEventBytes.parseFrom(once.toByteArray()))
        .lastHeader(dev.millrace.proto.WireNames.HEADER_REPLAY_ID)).isNull();
  }
}
