package dev.millrace.realtime.privacy;

import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;

/**
 * What a dead letter's document may show of the record it was made from: never its bytes, at most
 * the event read from them with the enrichment API's pseudonymisation and IP anonymisation applied.
 *
 * @param format how the original was read: {@code raw_event} (the enricher's input, a RawEvent),
 *     {@code event_json} (the collector's REST body item), {@code event_protobuf} (the collector's
 *     gRPC message), {@code enriched_event} (a record of the enriched topic, already pseudonymised by
 *     the enrichment), or {@code unreadable}
 * @param bytes size of the original, in bytes
 * @param withheld why the event, or only its payload, is not shown (see {@link DeadLetterPrivacy});
 *     null when everything that was read is shown
 * @param event the sanitised event; null when nothing of it may be shown
 */
public record SanitizedOriginal(String format, int bytes, String withheld, OriginalEvent event) {

  /**
   * An event read from an original, after sanitising.
   *
   * @param occurredAt as the producer sent it (RFC 3339 text), so a bad value can be seen
   * @param context the context with its IP anonymised and its ids pseudonymised; null when absent
   * @param payloadJson a JSON object as text, pseudonymised; null when absent or withheld
   * @param metadata the collector's metadata with the client IP anonymised (RawEvent originals only)
   */
  public record OriginalEvent(String eventId, String eventType, String schemaVersion, String occurredAt,
                              String source, Context context, String payloadJson,
                              CollectorMetadata metadata) {}
}
