package dev.millrace.batch.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.support.ParquetRows;
import dev.millrace.proto.columns.EventColumns;
import dev.millrace.proto.v1.BotScore;
import dev.millrace.proto.v1.Campaign;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Enrichment;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReferrerInfo;
import dev.millrace.proto.v1.UserAgentInfo;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * The loader reads records in place from their wire bytes instead of through the generated
 * {@code EnrichedEvent} parser; these tests hold the two to the same answers. The expected row of
 * every record is computed from the generated getters, and read back from the Parquet file with an
 * independent reader.
 */
class WireEventTest {

  @TempDir Path dir;

  @Test
  void randomEventsLandInParquetAsTheGeneratedParserReadsThem() throws Exception {
    Random random = new Random(42);
    List<byte[]> records = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      byte[] bytes = randomEvent(random, i).toByteArray();
      if (i % 10 == 0) {
        // Two messages back to back are one merged message to protobuf: later fields win,
        // sub-messages merge and repeated fields append.
        bytes = concat(bytes, randomEvent(random, i + 1000).toByteArray());
      }
      if (i % 7 == 0) {
        bytes = concat(bytes, unknownFields());
      }
      records.add(bytes);
    }

    Path file = dir.resolve("random.parquet");
    WireEvent wire = new WireEvent();
    try (SpillFile spill = new SpillFile(file, new BatchProperties.Parquet(
        BatchProperties.Compression.ZSTD, DataSize.ofMegabytes(1), 1))) {
      for (int i = 0; i < records.size(); i++) {
        wire.parse(records.get(i));
        spill.write(wire, "enriched", 1, i);
      }
    }

    List<Group> rows = ParquetRows.read(file);
    assertThat(rows).hasSize(records.size());
    for (int i = 0; i < records.size(); i++) {
      EnrichedEvent event = EnrichedEvent.parseFrom(records.get(i));
      assertThat(columns(rows.get(i))).as("row %d", i).isEqualTo(expected(event, "enriched", 1, i));
    }
  }

  @Test
  void partitionTimesAndTypeComeFromTheEnvelope() throws Exception {
    EnrichedEvent event = randomEvent(new Random(1), 0).toBuilder()
        .setRaw(RawEvent.newBuilder()
            .setEvent(Event.newBuilder().setEventId("e").setEventType("add_to_cart")
                .setOccurredAt(Timestamp.newBuilder().setSeconds(1_700_000_000).setNanos(987_654_321)))
            .setMetadata(CollectorMetadata.newBuilder()
                .setReceivedAt(Timestamp.newBuilder().setSeconds(1_700_000_100).setNanos(5_000_000))))
        .build();
    WireEvent wire = new WireEvent();
    wire.parse(event.toByteArray());
    assertThat(wire.hasRawEvent()).isTrue();
    assertThat(wire.eventType()).isEqualTo("add_to_cart");
    assertThat(wire.occurredAtMillis(-1)).isEqualTo(1_700_000_000_987L);
    assertThat(wire.receivedAtMillis(-1)).isEqualTo(1_700_000_100_005L);

    wire.parse(EnrichedEvent.newBuilder().setRaw(RawEvent.newBuilder()
        .setEvent(Event.newBuilder().setEventId("e"))).build().toByteArray());
    assertThat(wire.receivedAtMillis(-1)).as("absent: the fallback").isEqualTo(-1);
    assertThat(wire.occurredAtMillis(-2)).isEqualTo(-2);

    wire.parse(new byte[0]);
    assertThat(wire.hasRawEvent()).isFalse();
    wire.parse(EnrichedEvent.newBuilder().setRaw(RawEvent.getDefaultInstance()).build().toByteArray());
    assertThat(wire.hasRawEvent()).as("a raw event message with no event").isFalse();
  }

  @Test
  void aReplayedEventHasItsReplayIdInTheReplayIdColumnAndAnEventSentOnceANull() throws Exception {
    EnrichedEvent once = EnrichedEvent.newBuilder().setRaw(RawEvent.newBuilder()
        .setEvent(Event.newBuilder().setEventId("e-1").setEventType("page_view").setPayloadJson("{}"))
        .setMetadata(CollectorMetadata.newBuilder().setRequestId("r"))).build();
    EnrichedEvent replayed = once.toBuilder().setRaw(once.getRaw().toBuilder().setMetadata(
        once.getRaw().getMetadata().toBuilder().setReplayId("3f2a1b0c-9d8e-4f70-8a6b-5c4d3e2f1a0b"))).build();
    Path file = dir.resolve("replayed.parquet");
    WireEvent wire = new WireEvent();
    try (SpillFile spill = new SpillFile(file, new BatchProperties.Parquet(
        BatchProperties.Compression.ZSTD, DataSize.ofMegabytes(1), 1))) {
      wire.parse(replayed.toByteArray());
      spill.write(wire, "enriched", 0, 0);
      wire.parse(once.toByteArray());
      spill.write(wire, "enriched", 0, 1);
    }
    List<Group> rows = ParquetRows.read(file);
    assertThat(columns(rows.get(0)).get("replay_id")).isEqualTo("3f2a1b0c-9d8e-4f70-8a6b-5c4d3e2f1a0b");
    assertThat(columns(rows.get(1)).get("replay_id")).isNull();
  }

  @Test
  void invalidUtf8InAStringFieldIsRejected() {
    byte[] bytes = EnrichedEvent.newBuilder().setRaw(RawEvent.newBuilder()
        .setEvent(Event.newBuilder().setEventId("id-é").setPayloadJson("{}"))).build().toByteArray();
    // "é" is C3 A9; a lone continuation byte is not UTF-8.
    int at = indexOf(bytes, new byte[] {(byte) 0xC3, (byte) 0xA9});
    bytes[at] = (byte) 0xA9;
    byte[] broken = bytes;
    assertThatThrownBy(() -> EnrichedEvent.parseFrom(broken)).isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> new WireEvent().parse(broken))
        .isInstanceOf(InvalidProtocolBufferException.class).hasMessageContaining("UTF-8");
  }

  @Test
  void theAsciiCheckFindsANonAsciiByteAtEveryPosition() {
    for (int length = 0; length < 40; length++) {
      byte[] b = "x".repeat(length + 6).getBytes(StandardCharsets.US_ASCII);
      assertThat(WireEvent.isAscii(b, 3, length)).isTrue();
      for (int at = 0; at < length; at++) {
        byte[] c = b.clone();
        c[3 + at] = (byte) 0xC3;
        assertThat(WireEvent.isAscii(c, 3, length)).as("length %d, at %d", length, at).isFalse();
      }
      // Bytes outside the range do not count.
      b[2] = (byte) 0x80;
      b[3 + length] = (byte) 0x80;
      assertThat(WireEvent.isAscii(b, 3, length)).isTrue();
    }
  }

  /**
   * Corrupted and truncated records: the wire reader rejects exactly those the generated parser
   * rejects, and reads the rest to the same values.
   */
  @Test
  void corruptedBytesAreRejectedOrReadExactlyAsTheGeneratedParserDoes() throws Exception {
    Random random = new Random(7);
    WireEvent wire = new WireEvent();
    int rejected = 0;
    int read = 0;
    for (int i = 0; i < 5000; i++) {
      byte[] bytes = randomEvent(random, i).toByteArray();
      if (bytes.length == 0) {
        continue;
      }
      if (random.nextInt(4) == 0) {
        bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
      } else {
        for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
      }
      EnrichedEvent event;
      try {
        event = EnrichedEvent.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        byte[] copy = bytes;
        assertThatThrownBy(() -> wire.parse(copy)).as("record %d: %s", i, e.getMessage())
            .isInstanceOf(InvalidProtocolBufferException.class);
        rejected++;
        continue;
      }
      wire.parse(bytes);
      read++;
      assertThat(wire.hasRawEvent()).isEqualTo(event.hasRaw() && event.getRaw().hasEvent());
      if (wire.hasRawEvent()) {
        assertThat(wire.eventType()).isEqualTo(event.getRaw().getEvent().getEventType());
      }
      assertThat(slice(wire, column("event_id"))).isEqualTo(event.getRaw().getEvent().getEventId());
      assertThat(slice(wire, column("payload_json"))).isEqualTo(event.getRaw().getEvent().getPayloadJson());
      assertThat(slice(wire, column("page_url"))).isEqualTo(event.getRaw().getEvent().getContext().getPageUrl());
      assertThat(wire.receivedAtMillis(-1)).isEqualTo(event.getRaw().getMetadata().hasReceivedAt()
          ? millis(event.getRaw().getMetadata().getReceivedAt()) : -1);
      assertThat((int) wire.number(column("transport"))).isEqualTo(event.getRaw().getMetadata().getTransportValue());
      assertThat(wire.present(column("bot_score"))).isEqualTo(event.getEnrichment().hasBot());
      assertThat(wire.doubleValue(column("bot_score"))).isEqualTo(event.getEnrichment().getBot().getScore());
      assertThat(wire.listCount(column("enrichments_applied"))).isEqualTo(event.getEnrichment().getAppliedCount());
    }
    // Both outcomes were exercised, many times.
    assertThat(rejected).isGreaterThan(500);
    assertThat(read).isGreaterThan(500);
  }

  // ---- expected rows from the generated getters --------------------------------------------

  private static Map<String, Object> expected(EnrichedEvent e, String topic, int partition, long offset) {
    Event ev = e.getRaw().getEvent();
    Context c = ev.getContext();
    CollectorMetadata m = e.getRaw().getMetadata();
    boolean hasM = e.getRaw().hasMetadata();
    Enrichment en = e.getEnrichment();
    UserAgentInfo ua = en.getUserAgent();
    Campaign ca = en.getCampaign();
    ReferrerInfo re = en.getReferrer();
    BotScore bot = en.getBot();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("event_id", ev.getEventId());
    row.put("event_type", ev.getEventType());
    row.put("schema_version", ev.getSchemaVersion());
    row.put("occurred_at", ev.hasOccurredAt() ? micros(ev.getOccurredAt()) : null);
    row.put("source", ev.getSource());
    row.put("user_agent", text(c.getUserAgent()));
    row.put("ip", text(c.getIp()));
    row.put("page_url", text(c.getPageUrl()));
    row.put("referrer", text(c.getReferrer()));
    row.put("user_id", text(c.getUserId()));
    row.put("anonymous_id", text(c.getAnonymousId()));
    row.put("locale", text(c.getLocale()));
    row.put("received_at", hasM && m.hasReceivedAt() ? micros(m.getReceivedAt()) : null);
    row.put("collector_instance", text(m.getCollectorInstance()));
    row.put("request_id", text(m.getRequestId()));
    row.put("client_ip", text(m.getClientIp()));
    row.put("write_key_id", text(m.getWriteKeyId()));
    row.put("transport", hasM ? m.getTransport().name() : null);
    row.put("batch_index", hasM ? m.getBatchIndex() : null);
    row.put("replay_id", text(m.getReplayId()));
    row.put("ua_device_class", text(ua.getDeviceClass()));
    row.put("ua_os_name", text(ua.getOsName()));
    row.put("ua_os_version", text(ua.getOsVersion()));
    row.put("ua_agent_name", text(ua.getAgentName()));
    row.put("ua_agent_version", text(ua.getAgentVersion()));
    row.put("ua_agent_class", text(ua.getAgentClass()));
    row.put("campaign_source", text(ca.getSource()));
    row.put("campaign_medium", text(ca.getMedium()));
    row.put("campaign_name", text(ca.getName()));
    row.put("campaign_term", text(ca.getTerm()));
    row.put("campaign_content", text(ca.getContent()));
    row.put("click_id", text(ca.getClickId()));
    row.put("click_id_type", en.hasCampaign() ? ca.getClickIdType().name() : null);
    row.put("referrer_class", en.hasReferrer() ? re.getReferrerClass().name() : null);
    row.put("referrer_name", text(re.getName()));
    row.put("referrer_host", text(re.getHost()));
    row.put("referrer_search_term", text(re.getSearchTerm()));
    row.put("anonymized_ip", text(en.getAnonymizedIp()));
    row.put("bot_score", en.hasBot() ? bot.getScore() : null);
    row.put("is_bot", en.hasBot() ? bot.getIsBot() : null);
    row.put("bot_model_version", text(bot.getModelVersion()));
    row.put("enrichment_version", text(en.getEnrichmentVersion()));
    row.put("enrichments_applied", en.getAppliedCount() > 0 ? List.copyOf(en.getAppliedList()) : null);
    row.put("enriched_at", e.hasEnrichedAt() ? micros(e.getEnrichedAt()) : null);
    row.put("payload_json", ev.getPayloadJson());
    row.put("kafka_topic", topic);
    row.put("kafka_partition", partition);
    row.put("kafka_offset", offset);
    return row;
  }

  /** Every column of a row read back, by name; null when the column holds no value. */
  private static Map<String, Object> columns(Group g) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (Type field : g.getType().getFields()) {
      String name = field.getName();
      if (g.getFieldRepetitionCount(name) == 0) {
        row.put(name, null);
      } else if (!field.isPrimitive()) {
        Group list = g.getGroup(name, 0);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < list.getFieldRepetitionCount("list"); i++) {
          values.add(list.getGroup("list", i).getString("element", 0));
        }
        row.put(name, values);
      } else {
        PrimitiveType.PrimitiveTypeName type = field.asPrimitiveType().getPrimitiveTypeName();
        row.put(name, switch (type) {
          case BINARY -> g.getString(name, 0);
          case INT64 -> g.getLong(name, 0);
          case INT32 -> g.getInteger(name, 0);
          case DOUBLE -> g.getDouble(name, 0);
          case BOOLEAN -> g.getBoolean(name, 0);
          default -> throw new IllegalStateException("unexpected column type " + type);
        });
      }
    }
    return row;
  }

  private static String text(String s) {
    return s.isEmpty() ? null : s;
  }

  private static long micros(Timestamp t) {
    return t.getSeconds() * 1_000_000L + t.getNanos() / 1_000;
  }

  private static long millis(Timestamp t) {
    return t.getSeconds() * 1_000L + t.getNanos() / 1_000_000;
  }

  private static int column(String name) {
    return EventColumns.ALL.indexOf(EventColumns.named(name));
  }

  private static String slice(WireEvent wire, int slot) {
    return new String(wire.bytes(), wire.start(slot), wire.length(slot), StandardCharsets.UTF_8);
  }

  // ---- random events -----------------------------------------------------------------------

  private static final String[] WORDS = {"", "a", "page_view", "ünïcödé", "日本語", "emoji 🎉", "x".repeat(300)};

  private static String word(Random r) {
    return WORDS[r.nextInt(WORDS.length)];
  }

  private static Timestamp ts(Random r) {
    return Timestamp.newBuilder().setSeconds(1_600_000_000L + r.nextInt(200_000_000))
        .setNanos(r.nextInt(1_000_000_000)).build();
  }

  /** Each sub-message and field present or not at random, enums sometimes with unknown numbers. */
  private static EnrichedEvent randomEvent(Random r, int i) {
    EnrichedEvent.Builder b = EnrichedEvent.newBuilder();
    if (r.nextInt(10) > 0) {
      RawEvent.Builder raw = b.getRawBuilder();
      if (r.nextInt(10) > 0) {
        Event.Builder ev = raw.getEventBuilder().setEventId("id-" + i).setEventType(word(r))
            .setSchemaVersion(word(r)).setSource(word(r)).setPayloadJson("{\"n\":" + i + ",\"s\":\"" + word(r) + "\"}");
        if (r.nextBoolean()) {
          ev.setOccurredAt(ts(r));
        }
        if (r.nextBoolean()) {
          ev.getContextBuilder().setUserAgent(word(r)).setIp(word(r)).setPageUrl(word(r))
              .setReferrer(word(r)).setUserId(word(r)).setAnonymousId(word(r)).setLocale(word(r));
        }
      }
      if (r.nextBoolean()) {
        CollectorMetadata.Builder m = raw.getMetadataBuilder().setCollectorInstance(word(r))
            .setRequestId(word(r)).setClientIp(word(r)).setWriteKeyId(word(r))
            .setTransportValue(r.nextInt(5)).setBatchIndex(r.nextInt(3) - 1);
        if (r.nextBoolean()) {
          m.setReceivedAt(ts(r));
        }
        if (r.nextInt(3) == 0) {
          m.setReplayId(word(r));
        }
      }
    }
    if (r.nextBoolean()) {
      Enrichment.Builder en = b.getEnrichmentBuilder().setAnonymizedIp(word(r))
          .setEnrichmentVersion(word(r));
      if (r.nextBoolean()) {
        en.getUserAgentBuilder().setDeviceClass(word(r)).setOsName(word(r)).setOsVersion(word(r))
            .setAgentName(word(r)).setAgentVersion(word(r)).setAgentClass(word(r));
      }
      if (r.nextBoolean()) {
        en.getCampaignBuilder().setSource(word(r)).setMedium(word(r)).setName(word(r))
            .setTerm(word(r)).setContent(word(r)).setClickId(word(r)).setClickIdTypeValue(r.nextInt(7));
      }
      if (r.nextBoolean()) {
        en.getReferrerBuilder().setReferrerClassValue(r.nextInt(9)).setName(word(r))
            .setHost(word(r)).setSearchTerm(word(r));
      }
      if (r.nextBoolean()) {
        en.getBotBuilder().setScore(r.nextDouble()).setIsBot(r.nextBoolean()).setModelVersion(word(r));
      }
      for (int n = r.nextInt(4); n > 0; n--) {
        en.addApplied(word(r));
      }
    }
    if (r.nextBoolean()) {
      b.setEnrichedAt(ts(r));
    }
    return b.build();
  }

  /** Fields this schema does not know, of every wire type: readers skip them. */
  private static byte[] unknownFields() throws java.io.IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeInt64(99, 42);
    out.writeString(98, "abc");
    out.writeFixed32(97, 7);
    out.writeDouble(96, 1.5);
    out.flush();
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static int indexOf(byte[] bytes, byte[] part) {
    outer:
    for (int i = 0; i + part.length <= bytes.length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (bytes[i + j] != part[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalArgumentException("not found");
  }
}
