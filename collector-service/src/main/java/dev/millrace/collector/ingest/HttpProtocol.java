package dev.millrace.collector.ingest;

import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.collector.validate.MalformedBodyException;
import dev.millrace.collector.validate.TooManyEventsException;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.Transport;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * What differs between the HTTP APIs the collector speaks (its own, Segment's, Snowplow's): how a
 * body is decoded into checked events, which media types and size it may have, whether the body
 * itself may carry the credentials, and how success is answered. Everything else — the write key,
 * limits, memory budget, Kafka, per-event dead letters, 503 — is {@link HttpIngest}'s, the same
 * for all.
 */
public interface HttpProtocol {

  /** Stamped on each event's metadata and the metrics. */
  Transport transport();

  /** The largest body, as sent and decompressed; past it, 413. */
  long maxBodyBytes();

  /**
   * Whether a body of this media type (null when the request has none) is taken; else 415.
   * JSON ({@code application/json} or any {@code +json}) unless a protocol takes more.
   */
  default boolean accepts(MediaType type) {
    return HttpIngest.isJson(type);
  }

  /** The 415 answer's detail. */
  default String mediaTypeRule() {
    return "the body must be application/json in UTF-8";
  }

  /** The events of a body, each checked, with whatever the body says about credentials. */
  Decoded decode(byte[] body, Instant receivedAt) throws MalformedBodyException, TooManyEventsException;

  /**
   * The write key id a request that carried no key authenticates with from its content (Segment's
   * {@code writeKey} field, Snowplow's app ids); empty when it does not.
   */
  default Optional<String> keyIdFromContent(Decoded decoded) {
    return Optional.empty();
  }

  /** Whether a request without a key in its headers is read at all (else 401 before reading). */
  default boolean contentMayAuthenticate() {
    return false;
  }

  /** The 200 answer: the per-event results as JSON, and the request id. */
  default ResponseEntity<byte[]> ok(BatchResult result, String requestId) {
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .header(RestIngest.REQUEST_ID_HEADER, requestId)
        .body(RestIngest.json(result));
  }

  /**
   * A decoded body.
   *
   * @param writeKey a write key the body carries, or null
   */
  record Decoded(List<CheckedEvent> events, String writeKey) {

    public static Decoded of(List<CheckedEvent> events) {
      return new Decoded(events, null);
    }
  }
}
