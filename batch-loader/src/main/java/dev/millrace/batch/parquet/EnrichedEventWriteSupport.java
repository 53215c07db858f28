package dev.millrace.batch.parquet;

import dev.millrace.proto.v1.ClickIdType;
import dev.millrace.proto.v1.ReferrerClass;
import dev.millrace.proto.v1.Transport;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Writes {@link Row}s straight into Parquet's record consumer, column by column in schema order
 * (no intermediate object model). String values are slices of the record's wire bytes, handed over
 * as reused arrays: Parquet copies what it keeps (dictionary entries, min/max). Absent
 * sub-messages and empty strings are written as nulls.
 */
final class EnrichedEventWriteSupport extends WriteSupport<EnrichedEventWriteSupport.Row> {

  /** One record with where it came from. */
  record Row(WireEvent event, Binary topic, int partition, long offset) {}

  private static final Binary[] TRANSPORTS = names(Transport.values().length, Transport::forNumber);
  private static final Binary[] CLICK_ID_TYPES = names(ClickIdType.values().length, ClickIdType::forNumber);
  private static final Binary[] REFERRER_CLASSES = names(ReferrerClass.values().length, ReferrerClass::forNumber);
  /** What generated code names an enum number it does not know. */
  private static final Binary UNRECOGNIZED = Binary.fromString("UNRECOGNIZED");

  private RecordConsumer out;
  private int index;

  @Override
  public WriteContext init(Configuration configuration) {
    return new WriteContext(EventSchema.SCHEMA, new HashMap<>());
  }

  @Override
  public WriteContext init(ParquetConfiguration configuration) {
    return new WriteContext(EventSchema.SCHEMA, Map.of("writer", "millrace-batch-loader"));
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  @Override
  public void write(Row row) {
    WireEvent e = row.event();
    out.startMessage();
    index = 0;
    required(e, WireEvent.EVENT_ID);
    required(e, WireEvent.EVENT_TYPE);
    required(e, WireEvent.SCHEMA_VERSION);
    timestamp(e.occurredAt);
    required(e, WireEvent.SOURCE);
    for (int i = 0; i < 7; i++) {
      string(e, WireEvent.CONTEXT + i);
    }
    timestamp(e.receivedAt);
    for (int i = 0; i < 4; i++) {
      string(e, WireEvent.METADATA + i);
    }
    enumName(e.hasMetadata, TRANSPORTS, e.transport);
    if (e.hasMetadata) {
      out.startField("batch_index", index);
      out.addInteger(e.batchIndex);
      out.endField("batch_index", index);
    }
    index++;
    string(e, WireEvent.REPLAY_ID);
    for (int i = 0; i < 6; i++) {
      string(e, WireEvent.USER_AGENT + i);
    }
    for (int i = 0; i < 6; i++) {
      string(e, WireEvent.CAMPAIGN + i);
    }
    enumName(e.hasCampaign, CLICK_ID_TYPES, e.clickIdType);
    enumName(e.hasReferrer, REFERRER_CLASSES, e.referrerClass);
    for (int i = 0; i < 3; i++) {
      string(e, WireEvent.REFERRER + i);
    }
    string(e, WireEvent.ANONYMIZED_IP);
    if (e.hasBot) {
      out.startField("bot_score", index);
      out.addDouble(e.botScore);
      out.endField("bot_score", index);
      out.startField("is_bot", index + 1);
      out.addBoolean(e.isBot);
      out.endField("is_bot", index + 1);
    }
    index += 2;
    string(e, WireEvent.BOT_MODEL_VERSION);
    string(e, WireEvent.ENRICHMENT_VERSION);
    if (e.appliedCount() > 0) {
      out.startField("enrichments_applied", index);
      out.startGroup();
      out.startField("list", 0);
      for (int i = 0; i < e.appliedCount(); i++) {
        out.startGroup();
        out.startField("element", 0);
        out.addBinary(Binary.fromReusedByteArray(e.bytes(), e.appliedStart(i), e.appliedLength(i)));
        out.endField("element", 0);
        out.endGroup();
      }
      out.endField("list", 0);
      out.endGroup();
      out.endField("enrichments_applied", index);
    }
    index++;
    timestamp(e.enrichedAt);
    required(e, WireEvent.PAYLOAD_JSON);
    out.startField("kafka_topic", index);
    out.addBinary(row.topic());
    out.endField("kafka_topic", index);
    index++;
    out.startField("kafka_partition", index);
    out.addInteger(row.partition());
    out.endField("kafka_partition", index);
    index++;
    out.startField("kafka_offset", index);
    out.addLong(row.offset());
    out.endField("kafka_offset", index);
    index++;
    out.endMessage();
  }

  /** A required string column: absent is the empty string, as proto3 reads it. */
  private void required(WireEvent e, int slot) {
    value(Binary.fromReusedByteArray(e.bytes(), e.start(slot), e.length(slot)));
  }

  private void string(WireEvent e, int slot) {
    if (e.length(slot) > 0) {
      value(Binary.fromReusedByteArray(e.bytes(), e.start(slot), e.length(slot)));
    } else {
      index++;
    }
  }

  /** The enum's name when its message is present (the zero value included), else null. */
  private void enumName(boolean present, Binary[] names, int number) {
    if (present) {
      value(number >= 0 && number < names.length && names[number] != null ? names[number] : UNRECOGNIZED);
    } else {
      index++;
    }
  }

  private void value(Binary value) {
    String field = EventSchema.SCHEMA.getFieldName(index);
    out.startField(field, index);
    out.addBinary(value);
    out.endField(field, index);
    index++;
  }

  private void timestamp(WireEvent.Time time) {
    if (time.present) {
      String field = EventSchema.SCHEMA.getFieldName(index);
      out.startField(field, index);
      out.addLong(time.micros());
      out.endField(field, index);
    }
    index++;
  }

  /** Each known number's name; enums here are numbered densely from 0. */
  private static Binary[] names(int count, IntFunction<? extends Enum<?>> forNumber) {
    Binary[] names = new Binary[count];
    for (int i = 0; i < count; i++) {
      Enum<?> value = forNumber.apply(i);
      names[i] = value == null ? null
          : Binary.fromConstantByteArray(value.name().getBytes(StandardCharsets.UTF_8));
    }
    return names;
  }
}
