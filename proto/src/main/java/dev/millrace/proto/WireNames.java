package dev.millrace.proto;

/**
 * Names that are part of the wire contract besides the messages: default topic names, Kafka record
 * headers and the write-key carriers. Services read topic names from configuration; these are the
 * defaults every service and the docs agree on.
 */
public final class WireNames {

  /** Accepted events ({@code RawEvent}), keyed by the configured partition key. */
  public static final String RAW_TOPIC = "millrace.raw";
  /** Events the collector refused ({@code DeadLetter}, stage COLLECTOR). */
  public static final String COLLECTOR_DEAD_LETTER_TOPIC = "millrace.dead-letter.collector";
  /** Enriched events ({@code EnrichedEvent}), keyed as on the raw topic. */
  public static final String ENRICHED_TOPIC = "millrace.enriched";
  /** Raw records the enricher could not decode, validate or enrich ({@code DeadLetter}, stage ENRICHER). */
  public static final String ENRICHER_DEAD_LETTER_TOPIC = "millrace.dead-letter.enricher";

  /**
   * Replay records ({@code ReplayRecord}): one per dead letter re-submitted by {@code millrace replay},
   * keyed by the dead letter's {@code <topic>-<partition>@<offset>}; compacted, so the latest replay
   * of each dead letter is kept.
   */
  public static final String REPLAYS_TOPIC = "millrace.replays";

  /** Header: the event id as UTF-8 text, so consumers can log and deduplicate without decoding. */
  public static final String HEADER_EVENT_ID = "millrace.event_id";
  /** Header: the event type as UTF-8 text, for routing without decoding. */
  public static final String HEADER_EVENT_TYPE = "millrace.event_type";
  /** Header: the schema version (SchemaVer) as UTF-8 text. */
  public static final String HEADER_SCHEMA_VERSION = "millrace.schema_version";
  /** Header: the dead-letter reason code name, on dead-letter records only. */
  public static final String HEADER_REASON = "millrace.reason";
  /** Header: the fully qualified Protobuf message name of the value, e.g. {@code millrace.v1.RawEvent}. */
  public static final String HEADER_CONTENT_TYPE = "millrace.content_type";

  /** Header: the id of the replay that re-submitted the record's event; absent on an event sent once. */
  public static final String HEADER_REPLAY_ID = "millrace.replay_id";

  /** REST header carrying the producer's write key. */
  public static final String WRITE_KEY_HTTP_HEADER = "X-Millrace-Write-Key";
  /** gRPC metadata key carrying the producer's write key (gRPC keys are lower case). */
  public static final String WRITE_KEY_GRPC_METADATA = "x-millrace-write-key";

  /** HTTP header with which {@code millrace replay} re-submits a collector dead letter: its replay id (a UUID). */
  public static final String REPLAY_ID_HTTP_HEADER = "X-Millrace-Replay-Id";

  private WireNames() {}
}
