package dev.millrace.batch.parquet;

import com.google.protobuf.Timestamp;
import dev.millrace.proto.v1.BotScore;
import dev.millrace.proto.v1.Campaign;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Enrichment;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.ReferrerInfo;
import dev.millrace.proto.v1.UserAgentInfo;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Writes {@link Row}s straight into Parquet's record consumer, column by column in schema order
 * (no intermediate object model). Absent sub-messages and empty strings are written as nulls.
 */
final class EnrichedEventWriteSupport extends WriteSupport<EnrichedEventWriteSupport.Row> {

  /** One record with where it came from. */
  record Row(EnrichedEvent event, String topic, int partition, long offset) {}

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
    EnrichedEvent e = row.event();
    Event ev = e.getRaw().getEvent();
    out.startMessage();
    index = 0;
    required(ev.getEventId());
    required(ev.getEventType());
    required(ev.getSchemaVersion());
    timestamp(ev.hasOccurredAt(), ev.getOccurredAt());
    required(ev.getSource());
    Context c = ev.hasContext() ? ev.getContext() : null;
    string(c == null ? null : c.getUserAgent());
    string(c == null ? null : c.getIp());
    string(c == null ? null : c.getPageUrl());
    string(c == null ? null : c.getReferrer());
    string(c == null ? null : c.getUserId());
    string(c == null ? null : c.getAnonymousId());
    string(c == null ? null : c.getLocale());
    CollectorMetadata m = e.getRaw().hasMetadata() ? e.getRaw().getMetadata() : null;
    timestamp(m != null && m.hasReceivedAt(), m == null ? null : m.getReceivedAt());
    string(m == null ? null : m.getCollectorInstance());
    string(m == null ? null : m.getRequestId());
    string(m == null ? null : m.getClientIp());
    string(m == null ? null : m.getWriteKeyId());
    string(m == null ? null : m.getTransport().name());
    if (m != null) {
      out.startField("batch_index", index);
      out.addInteger(m.getBatchIndex());
      out.endField("batch_index", index);
    }
    index++;
    Enrichment en = e.hasEnrichment() ? e.getEnrichment() : null;
    UserAgentInfo ua = en != null && en.hasUserAgent() ? en.getUserAgent() : null;
    string(ua == null ? null : ua.getDeviceClass());
    string(ua == null ? null : ua.getOsName());
    string(ua == null ? null : ua.getOsVersion());
    string(ua == null ? null : ua.getAgentName());
    string(ua == null ? null : ua.getAgentVersion());
    string(ua == null ? null : ua.getAgentClass());
    Campaign ca = en != null && en.hasCampaign() ? en.getCampaign() : null;
    string(ca == null ? null : ca.getSource());
    string(ca == null ? null : ca.getMedium());
    string(ca == null ? null : ca.getName());
    string(ca == null ? null : ca.getTerm());
    string(ca == null ? null : ca.getContent());
    string(ca == null ? null : ca.getClickId());
    string(ca == null ? null : ca.getClickIdType().name());
    ReferrerInfo re = en != null && en.hasReferrer() ? en.getReferrer() : null;
    string(re == null ? null : re.getReferrerClass().name());
    string(re == null ? null : re.getName());
    string(re == null ? null : re.getHost());
    string(re == null ? null : re.getSearchTerm());
    string(en == null ? null : en.getAnonymizedIp());
    BotScore bot = en != null && en.hasBot() ? en.getBot() : null;
    if (bot != null) {
      out.startField("bot_score", index);
      out.addDouble(bot.getScore());
      out.endField("bot_score", index);
      out.startField("is_bot", index + 1);
      out.addBoolean(bot.getIsBot());
      out.endField("is_bot", index + 1);
    }
    index += 2;
    string(bot == null ? null : bot.getModelVersion());
    string(en == null ? null : en.getEnrichmentVersion());
    if (en != null && en.getAppliedCount() > 0) {
      out.startField("enrichments_applied", index);
      out.startGroup();
      out.startField("list", 0);
      for (String applied : en.getAppliedList()) {
        out.startGroup();
        out.startField("element", 0);
        out.addBinary(Binary.fromString(applied));
        out.endField("element", 0);
        out.endGroup();
      }
      out.endField("list", 0);
      out.endGroup();
      out.endField("enrichments_applied", index);
    }
    index++;
    timestamp(e.hasEnrichedAt(), e.getEnrichedAt());
    required(ev.getPayloadJson());
    required(row.topic());
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

  private void required(String value) {
    String field = EventSchema.SCHEMA.getFieldName(index);
    out.startField(field, index);
    out.addBinary(Binary.fromString(value));
    out.endField(field, index);
    index++;
  }

  private void string(String value) {
    if (value != null && !value.isEmpty()) {
      String field = EventSchema.SCHEMA.getFieldName(index);
      out.startField(field, index);
      out.addBinary(Binary.fromString(value));
      out.endField(field, index);
    }
    index++;
  }

  private void timestamp(boolean present, Timestamp ts) {
    if (present) {
      String field = EventSchema.SCHEMA.getFieldName(index);
      out.startField(field, index);
      out.addLong(ts.getSeconds() * 1_000_000L + ts.getNanos() / 1_000);
      out.endField(field, index);
    }
    index++;
  }
}
