package dev.millrace.realtime.index;

/**
 * One document for a bulk request.
 *
 * @param kind event or dead letter
 * @param index concrete daily index the document goes to
 * @param id document id; the same for every delivery of the same record, so redelivery overwrites
 * @param source the document's JSON
 * @param origin the Kafka record it came from
 * @param original the Kafka record's value, kept for an event so that it can be dead-lettered with
 *     its bytes if Elasticsearch refuses it; null for dead letters
 * @param reason the dead letter's reason code name; null for events
 * @param stage the dead letter's stage name; null for events
 */
public record LoaderDocument(Kind kind, String index, String id, byte[] source, Origin origin,
                             byte[] original, String reason, String stage) {

  /** What a document is, for routing refusals and for metrics. */
  public enum Kind {
    /** An enriched event. */
    EVENT,
    /** A dead letter read from a dead-letter topic, or made by the loader. */
    DEAD_LETTER,
    /**
     * A dead letter made by the loader after Elasticsearch refused a dead letter: only the fields
     * the loader controls, so that it cannot be refused in turn.
     */
    FALLBACK_DEAD_LETTER
  }

  /** Bytes this document adds to a bulk request body (roughly: source plus action line). */
  public int sizeInBytes() {
    return source.length + index.length() + id.length() + 48;
  }
}
