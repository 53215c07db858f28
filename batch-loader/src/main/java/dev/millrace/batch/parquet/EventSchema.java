package dev.millrace.batch.parquet;

import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The Parquet schema of an enriched event: envelope, collector metadata and enrichment as flat
 * typed columns (what SQL users filter on), the payload as a JSON string, and where the record came
 * from in Kafka. Timestamps are UTC microseconds, which Trino reads as {@code timestamp(6) with time
 * zone}. The partition columns (event type, dt, hour) are also in the path, as Hive expects; the
 * event type stays in the file too, so a file read alone is complete.
 */
public final class EventSchema {

  public static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
      message enriched_event {
        required binary event_id (STRING);
        required binary event_type (STRING);
        required binary schema_version (STRING);
        optional int64 occurred_at (TIMESTAMP(MICROS,true));
        required binary source (STRING);
        optional binary user_agent (STRING);
        optional binary ip (STRING);
        optional binary page_url (STRING);
        optional binary referrer (STRING);
        optional binary user_id (STRING);
        optional binary anonymous_id (STRING);
        optional binary locale (STRING);
        optional int64 received_at (TIMESTAMP(MICROS,true));
        optional binary collector_instance (STRING);
        optional binary request_id (STRING);
        optional binary client_ip (STRING);
        optional binary write_key_id (STRING);
        optional binary transport (STRING);
        optional int32 batch_index;
        optional binary replay_id (STRING);
        optional binary ua_device_class (STRING);
        optional binary ua_os_name (STRING);
        optional binary ua_os_version (STRING);
        optional binary ua_agent_name (STRING);
        optional binary ua_agent_version (STRING);
        optional binary ua_agent_class (STRING);
        optional binary campaign_source (STRING);
        optional binary campaign_medium (STRING);
        optional binary campaign_name (STRING);
        optional binary campaign_term (STRING);
        optional binary campaign_content (STRING);
        optional binary click_id (STRING);
        optional binary click_id_type (STRING);
        optional binary referrer_class (STRING);
        optional binary referrer_name (STRING);
        optional binary referrer_host (STRING);
        optional binary referrer_search_term (STRING);
        optional binary anonymized_ip (STRING);
        optional double bot_score;
        optional boolean is_bot;
        optional binary bot_model_version (STRING);
        optional binary enrichment_version (STRING);
        optional group enrichments_applied (LIST) {
          repeated group list {
            required binary element (STRING);
          }
        }
        optional int64 enriched_at (TIMESTAMP(MICROS,true));
        required binary payload_json (STRING);
        required binary kafka_topic (STRING);
        required int32 kafka_partition;
        required int64 kafka_offset;
      }
      """);

  private EventSchema() {}
}
