package dev.millrace.proto.columns;

import static dev.millrace.proto.columns.EventColumn.ColumnType.BOOLEAN;
import static dev.millrace.proto.columns.EventColumn.ColumnType.DOUBLE;
import static dev.millrace.proto.columns.EventColumn.ColumnType.ENUM_NAME;
import static dev.millrace.proto.columns.EventColumn.ColumnType.INT32;
import static dev.millrace.proto.columns.EventColumn.ColumnType.INT64;
import static dev.millrace.proto.columns.EventColumn.ColumnType.JSON;
import static dev.millrace.proto.columns.EventColumn.ColumnType.STRING;
import static dev.millrace.proto.columns.EventColumn.ColumnType.STRING_LIST;
import static dev.millrace.proto.columns.EventColumn.ColumnType.TIMESTAMP;
import static dev.millrace.proto.columns.EventColumn.Pii.NONE;
import static dev.millrace.proto.columns.EventColumn.Pii.PERSONAL;
import static dev.millrace.proto.columns.EventColumn.Pii.PSEUDONYMOUS;

import dev.millrace.proto.columns.EventColumn.ColumnType;
import dev.millrace.proto.columns.EventColumn.Pii;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flat enriched event, defined once: every leaf field of {@code millrace.v1.EnrichedEvent} as a
 * column, in the order of the batch loader's Parquet files (which is also the lake's raw table's
 * field-id order: append, never reorder). The batch loader's Parquet schema, the realtime loader's
 * Elasticsearch mapping and documents, the lake's raw table and the curated {@code events} table's
 * inherited columns are all derived from this list. {@code EventColumnsTest} fails when a field of
 * the message has no column, or a column no field.
 */
public final class EventColumns {

  /** Every column, in file order. */
  public static final List<EventColumn> ALL;

  private static final Map<String, EventColumn> BY_NAME = new LinkedHashMap<>();

  static {
    List<EventColumn> all = new ArrayList<>();
    // The event as the producer sent it.
    all.add(required("event_id", "raw.event.event_id", STRING, "event_id", "the producer event id (UUID); unique in the table"));
    all.add(required("event_type", "raw.event.event_type", STRING, "event_type", "event type, e.g. page_view"));
    all.add(required("schema_version", "raw.event.schema_version", STRING, "schema_version", "SchemaVer of the payload, e.g. 1-0-0"));
    all.add(optional("occurred_at", "raw.event.occurred_at", TIMESTAMP, NONE, "occurred_at", "when the event happened, by the producer clock (UTC)"));
    all.add(required("source", "raw.event.source", STRING, "source", "the producing app or site"));
    all.add(optional("user_agent", "raw.event.context.user_agent", STRING, PSEUDONYMOUS, null, "the User-Agent string as the producer sent it"));
    all.add(optional("ip", "raw.event.context.ip", STRING, PERSONAL, null, "the end user's IP address as the producer saw it"));
    all.add(optional("page_url", "raw.event.context.page_url", STRING, PSEUDONYMOUS, "page_url", "page URL"));
    all.add(optional("referrer", "raw.event.context.referrer", STRING, PSEUDONYMOUS, "referrer_url", "referrer URL"));
    all.add(optional("user_id", "raw.event.context.user_id", STRING, PSEUDONYMOUS, "user_id", "pseudonymised user id"));
    all.add(optional("anonymous_id", "raw.event.context.anonymous_id", STRING, PSEUDONYMOUS, "anonymous_id", "device or browser id set by the tracker"));
    all.add(optional("locale", "raw.event.context.locale", STRING, NONE, "locale", "locale sent by the client"));
    // What the collector stamped on it.
    all.add(optional("received_at", "raw.metadata.received_at", TIMESTAMP, NONE, "received_at", "when the collector received it (UTC)"));
    all.add(optional("collector_instance", "raw.metadata.collector_instance", STRING, NONE, "collector_instance", "collector instance that accepted the event"));
    all.add(optional("request_id", "raw.metadata.request_id", STRING, NONE, null, "id of the request that carried the event"));
    all.add(optional("client_ip", "raw.metadata.client_ip", STRING, PERSONAL, null, "the client's IP as the collector saw it"));
    all.add(optional("write_key_id", "raw.metadata.write_key_id", STRING, NONE, null, "id of the write key the producer authenticated with"));
    all.add(optional("transport", "raw.metadata.transport", ENUM_NAME, NONE, "transport", "how the event reached the collector: TRANSPORT_REST, TRANSPORT_GRPC, TRANSPORT_SEGMENT or TRANSPORT_SNOWPLOW"));
    all.add(optional("batch_index", "raw.metadata.batch_index", INT32, NONE, null, "index of the event within its request, from 0"));
    all.add(optional("replay_id", "raw.metadata.replay_id", STRING, NONE, null, "id of the millrace replay that re-submitted the event; null for an event sent once"));
    // What the enrichment added.
    all.add(optional("ua_device_class", "enrichment.user_agent.device_class", STRING, NONE, "device_class", "device class from the user agent, e.g. Desktop, Phone"));
    all.add(optional("ua_os_name", "enrichment.user_agent.os_name", STRING, NONE, "os_name", "operating system"));
    all.add(optional("ua_os_version", "enrichment.user_agent.os_version", STRING, NONE, "os_version", "operating system version"));
    all.add(optional("ua_agent_name", "enrichment.user_agent.agent_name", STRING, NONE, "agent_name", "browser or app"));
    all.add(optional("ua_agent_version", "enrichment.user_agent.agent_version", STRING, NONE, "agent_version", "browser or app version"));
    all.add(optional("ua_agent_class", "enrichment.user_agent.agent_class", STRING, NONE, "agent_class", "agent class, e.g. Browser, Robot"));
    all.add(optional("campaign_source", "enrichment.campaign.source", STRING, NONE, "utm_source", "utm_source of the page URL"));
    all.add(optional("campaign_medium", "enrichment.campaign.medium", STRING, NONE, "utm_medium", "utm_medium"));
    all.add(optional("campaign_name", "enrichment.campaign.name", STRING, NONE, "utm_campaign", "utm_campaign"));
    all.add(optional("campaign_term", "enrichment.campaign.term", STRING, NONE, "utm_term", "utm_term"));
    all.add(optional("campaign_content", "enrichment.campaign.content", STRING, NONE, "utm_content", "utm_content"));
    all.add(optional("click_id", "enrichment.campaign.click_id", STRING, PSEUDONYMOUS, "click_id", "ad click id (gclid, fbclid, ...)"));
    all.add(optional("click_id_type", "enrichment.campaign.click_id_type", ENUM_NAME, NONE, "click_id_type", "which click id parameter it came from"));
    all.add(optional("referrer_class", "enrichment.referrer.referrer_class", ENUM_NAME, NONE, "referrer_class", "referrer class: internal, search, social, email, paid, unknown, ..."));
    all.add(optional("referrer_name", "enrichment.referrer.name", STRING, NONE, "referrer_name", "known referrer name, e.g. Google"));
    all.add(optional("referrer_host", "enrichment.referrer.host", STRING, NONE, "referrer_host", "referrer host"));
    all.add(optional("referrer_search_term", "enrichment.referrer.search_term", STRING, PSEUDONYMOUS, "referrer_search_term", "search term from the referrer, when it carries one"));
    all.add(optional("anonymized_ip", "enrichment.anonymized_ip", STRING, PSEUDONYMOUS, "anonymized_ip", "client IP with the host part removed"));
    all.add(optional("bot_score", "enrichment.bot.score", DOUBLE, NONE, "bot_score", "bot likelihood, 0 to 1"));
    all.add(optional("is_bot", "enrichment.bot.is_bot", BOOLEAN, NONE, "is_bot", "the enrichment flagged the event as a bot"));
    all.add(optional("bot_model_version", "enrichment.bot.model_version", STRING, NONE, "bot_model_version", "version of the bot model"));
    all.add(optional("enrichment_version", "enrichment.enrichment_version", STRING, NONE, null, "version of the enrichment API that enriched the event"));
    all.add(optional("enrichments_applied", "enrichment.applied", STRING_LIST, NONE, null, "names of the enrichments that ran"));
    all.add(optional("enriched_at", "enriched_at", TIMESTAMP, NONE, "enriched_at", "when the enricher wrote it (UTC)"));
    all.add(required("payload_json", "raw.event.payload_json", JSON, "payload_json", "the event payload, JSON text exactly as sent"));
    // Lineage: the enriched record's coordinates.
    all.add(required("kafka_topic", "kafka.topic", STRING, "kafka_topic", "lineage: topic of the enriched record"));
    all.add(required("kafka_partition", "kafka.partition", INT32, "kafka_partition", "lineage: partition"));
    all.add(required("kafka_offset", "kafka.offset", INT64, "kafka_offset", "lineage: offset"));
    ALL = Collections.unmodifiableList(all);
    for (EventColumn column : all) {
      if (BY_NAME.put(column.name(), column) != null) {
        throw new IllegalStateException("two columns named " + column.name());
      }
    }
  }

  private EventColumns() {}

  /** The column named {@code name}. */
  public static EventColumn named(String name) {
    EventColumn column = BY_NAME.get(name);
    if (column == null) {
      throw new IllegalArgumentException("no event column named " + name);
    }
    return column;
  }

  private static EventColumn required(String name, String field, ColumnType type, String curated, String doc) {
    return new EventColumn(name, field, type, true, NONE, curated, doc);
  }

  private static EventColumn optional(String name, String field, ColumnType type, Pii pii, String curated,
                                      String doc) {
    return new EventColumn(name, field, type, false, pii, curated, doc);
  }
}
