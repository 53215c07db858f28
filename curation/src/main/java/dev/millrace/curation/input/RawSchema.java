package dev.millrace.curation.input;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The batch loader's Parquet columns as an Iceberg schema (the loader's {@code EventSchema}), plus
 * the {@code dt} and {@code hour} of the object path, which are not in the files: Iceberg reads
 * identity-partition values from its metadata. {@code RawSchemaTest} fails when the two drift.
 */
public final class RawSchema {

  private static final String[] REQUIRED_STRINGS = {"event_id", "event_type", "schema_version"};

  public static final Schema SCHEMA = build();

  /** Partitioned by the path's day and hour, so a run reads only its day's files. */
  public static final PartitionSpec SPEC = PartitionSpec.builderFor(SCHEMA).identity("dt").identity("hour").build();

  private RawSchema() {}

  private static Schema build() {
    List<Types.NestedField> fields = new ArrayList<>();
    int[] id = {1};
    for (String name : REQUIRED_STRINGS) {
      fields.add(required(id[0]++, name, Types.StringType.get()));
    }
    fields.add(optional(id[0]++, "occurred_at", Types.TimestampType.withZone()));
    fields.add(required(id[0]++, "source", Types.StringType.get()));
    for (String name : List.of("user_agent", "ip", "page_url", "referrer", "user_id", "anonymous_id", "locale")) {
      fields.add(optional(id[0]++, name, Types.StringType.get()));
    }
    fields.add(optional(id[0]++, "received_at", Types.TimestampType.withZone()));
    for (String name : List.of("collector_instance", "request_id", "client_ip", "write_key_id", "transport")) {
      fields.add(optional(id[0]++, name, Types.StringType.get()));
    }
    fields.add(optional(id[0]++, "batch_index", Types.IntegerType.get()));
    fields.add(optional(id[0]++, "replay_id", Types.StringType.get()));
    for (String name : List.of("ua_device_class", "ua_os_name", "ua_os_version", "ua_agent_name",
        "ua_agent_version", "ua_agent_class", "campaign_source", "campaign_medium", "campaign_name",
        "campaign_term", "campaign_content", "click_id", "click_id_type", "referrer_class", "referrer_name",
        "referrer_host", "referrer_search_term", "anonymized_ip")) {
      fields.add(optional(id[0]++, name, Types.StringType.get()));
    }
    fields.add(optional(id[0]++, "bot_score", Types.DoubleType.get()));
    fields.add(optional(id[0]++, "is_bot", Types.BooleanType.get()));
    fields.add(optional(id[0]++, "bot_model_version", Types.StringType.get()));
    fields.add(optional(id[0]++, "enrichment_version", Types.StringType.get()));
    int listId = id[0]++;
    Type list = Types.ListType.ofRequired(id[0]++, Types.StringType.get());
    fields.add(optional(listId, "enrichments_applied", list));
    fields.add(optional(id[0]++, "enriched_at", Types.TimestampType.withZone()));
    fields.add(required(id[0]++, "payload_json", Types.StringType.get()));
    fields.add(required(id[0]++, "kafka_topic", Types.StringType.get()));
    fields.add(required(id[0]++, "kafka_partition", Types.IntegerType.get()));
    fields.add(required(id[0]++, "kafka_offset", Types.LongType.get()));
    fields.add(optional(id[0]++, "dt", Types.DateType.get(), "day of the object path (dt=)"));
    fields.add(optional(id[0]++, "hour", Types.IntegerType.get(), "hour of the object path (hour=)"));
    return new Schema(fields);
  }
}
