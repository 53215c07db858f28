package dev.millrace.replay;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReplayRecord;
import dev.millrace.proto.v1.Stage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a dead letter is re-submitted as, built without any I/O: an enricher dead letter's original
 * {@code RawEvent} back on the raw topic, a collector dead letter's original as the HTTP request its
 * transport's API takes, and the replay record of either.
 */
public final class Resubmissions {

  /** Snowplow's tracker protocol: a tp2 body wraps the events' parameter maps in this schema. */
  static final String SNOWPLOW_PAYLOAD_DATA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4";

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final byte[] RAW_EVENT_TYPE = RawEvent.getDescriptor().getFullName().getBytes(StandardCharsets.UTF_8);
  private static final byte[] REPLAY_RECORD_TYPE =
      ReplayRecord.getDescriptor().getFullName().getBytes(StandardCharsets.UTF_8);

  private Resubmissions() {}

  /** A collector request: the path of the API the original was sent to, and the body it takes. */
  public record CollectorRequest(String path, byte[] body) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Why a dead letter cannot be re-submitted at all; null when it can. */
  public static String whyNotReplayable(DeadLetter d) {
    return switch (d.getStage()) {
      case STAGE_ENRICHER -> {
        RawEvent raw = rawEvent(d);
        yield raw == null || raw.getEvent().getEventId().isEmpty()
            ? "enricher dead letter whose original is not a RawEvent (UNDECODABLE): nothing to re-submit" : null;
      }
      case STAGE_COLLECTOR -> {
        if (d.getOriginal().isEmpty()) {
          yield "collector dead letter without an original";
        }
        if (d.getMetadata().getTransport() == dev.millrace.proto.v1.Transport.TRANSPORT_GRPC && grpcEvent(d) == null) {
          yield "collector dead letter of a gRPC message that is not an Event";
        }
        yield null;
      }
      default -> "stage " + d.getStage().name() + ": only COLLECTOR and ENRICHER dead letters are re-submitted"
          + " (a loader's dead letter is re-read from the enriched topic)";
    };
  }

  /**
   * An enricher dead letter's event back on the raw topic: the original {@code RawEvent}, its
   * collector metadata kept and {@code replay_id} set, keyed by its event id, with the raw topic's
   * headers and {@code millrace.replay_id}.
   */
  public static ProducerRecord<String, byte[]> rawRecord(Found found, String replayId, String rawTopic) {
    RawEvent original = rawEvent(found.deadLetter());
    if (original == null) {
      throw new IllegalArgumentException(found.key() + " is not a replayable enricher dead letter");
    }
    RawEvent replayed = original.toBuilder()
        .setMetadata(original.getMetadata().toBuilder().setReplayId(replayId))
        .build();
    Event e = replayed.getEvent();
    RecordHeaders headers = new RecordHeaders();
    headers.add(WireNames.HEADER_EVENT_ID, utf8(e.getEventId()));
    headers.add(WireNames.HEADER_EVENT_TYPE, utf8(e.getEventType()));
    headers.add(WireNames.HEADER_SCHEMA_VERSION, utf8(e.getSchemaVersion()));
    headers.add(WireNames.HEADER_CONTENT_TYPE, RAW_EVENT_TYPE);
    headers.add(WireNames.HEADER_REPLAY_ID, utf8(replayId));
    return new ProducerRecord<>(rawTopic, null, e.getEventId(), replayed.toByteArray(), headers);
  }

  /** The replays topic's record of one re-submitted dead letter, keyed by {@link Found#key()}. */
  public static ProducerRecord<String, byte[]> replayRecord(Found found, String replayId, String target, boolean forced,
                                                            Instant now, String replaysTopic) {
    DeadLetter d = found.deadLetter();
    ReplayRecord record = ReplayRecord.newBuilder()
        .setReplayId(replayId)
        .setDeadLetterTopic(found.topic())
        .setDeadLetterPartition(found.partition())
        .setDeadLetterOffset(found.offset())
        .setStage(d.getStage())
        .setReason(d.getReason())
        .setEventId(d.getEventId())
        .setReplayedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setTarget(target)
        .setForced(forced)
        .build();
    RecordHeaders headers = new RecordHeaders();
    if (!d.getEventId().isEmpty()) {
      headers.add(WireNames.HEADER_EVENT_ID, utf8(d.getEventId()));
    }
    headers.add(WireNames.HEADER_CONTENT_TYPE, REPLAY_RECORD_TYPE);
    headers.add(WireNames.HEADER_REPLAY_ID, utf8(replayId));
    return new ProducerRecord<>(replaysTopic, null, found.key(), record.toByteArray(), headers);
  }

  /**
   * A collector dead letter's original as the request of the API it came in by, so that it goes
   * through the collector's own checks again: REST as it is to {@code /v1/events}; a Segment message
   * in a batch to {@code /v1/batch}; a Snowplow event's parameters in {@code payload_data} to
   * {@code tp2}; a gRPC {@code Event} as its REST JSON (payload as an object) to {@code /v1/events}.
   */
  public static CollectorRequest collectorRequest(DeadLetter d) {
    byte[] original = d.getOriginal().toByteArray();
    return switch (d.getMetadata().getTransport()) {
      case TRANSPORT_SEGMENT -> new CollectorRequest("/v1/batch", wrap("{\"batch\":[", original, "]}"));
      case TRANSPORT_SNOWPLOW -> new CollectorRequest("/com.snowplowanalytics.snowplow/tp2",
          wrap("{\"schema\":\"" + SNOWPLOW_PAYLOAD_DATA + "\",\"data\":[", original, "]}"));
      case TRANSPORT_GRPC -> {
        Event event = grpcEvent(d);
        if (event == null) {
          throw new IllegalArgumentException("the original is not an Event");
        }
        yield new CollectorRequest("/v1/events", restJson(event));
      }
      // REST, and a dead letter that does not say (an older collector's): the event's JSON as sent
      default -> new CollectorRequest("/v1/events", original);
    };
  }

  /**
   * An {@code Event} in the REST API's JSON: the proto3 JSON form with the proto field names, except
   * that {@code payload_json} is sent as the object {@code payload} (as text when it is not JSON, so
   * the collector refuses it again with its own reason rather than this tool guessing).
   */
  static byte[] restJson(Event event) {
    String printed;
    try {
      printed = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace()
          .print(event.toBuilder().clearPayloadJson());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("the event cannot be printed as JSON", e);
    }
    if (event.getPayloadJson().isEmpty()) {
      return utf8(printed);
    }
    String payload = event.getPayloadJson();
    try {
      JSON.readTree(payload); // only checked: the text is spliced in as it is, so numbers of any size stay exact
    } catch (JacksonException e) {
      payload = JSON.writeValueAsString(payload);
    }
    String open = printed.substring(0, printed.length() - 1);
    return utf8(open + (open.length() > 1 ? "," : "") + "\"payload\":" + payload + "}");
  }

  static RawEvent rawEvent(DeadLetter d) {
    try {
      return d.getOriginal().isEmpty() ? null : RawEvent.parseFrom(d.getOriginal());
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private static Event grpcEvent(DeadLetter d) {
    try {
      return Event.parseFrom(d.getOriginal());
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private static byte[] wrap(String before, byte[] original, String after) {
    byte[] b = utf8(before);
    byte[] a = utf8(after);
    byte[] out = new byte[b.length + original.length + a.length];
    System.arraycopy(b, 0, out, 0, b.length);
    System.arraycopy(original, 0, out, b.length, original.length);
    System.arraycopy(a, 0, out, b.length + original.length, a.length);
    return out;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
