package dev.millrace.collector.ingest;

import com.google.protobuf.Timestamp;
import com.google.protobuf.UnsafeByteOperations;
import dev.millrace.collector.config.CollectorProperties;
import dev.millrace.collector.config.PartitionKey;
import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.memory.OverBudgetException;
import dev.millrace.collector.sink.EventSink;
import dev.millrace.collector.sink.KafkaSink;
import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.collector.validate.Rejection;
import dev.millrace.proto.DeadLetters;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.EventStatus;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Transport;
import dev.millrace.proto.v1.Violation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * What both edges share once events are checked: turn each into its Kafka record (a
 * {@code RawEvent} on the raw topic, or a {@code DeadLetter} on the collector's dead-letter topic),
 * send them all, and produce the per-event answer only once every record is acknowledged.
 *
 * <p>Each record's size is reserved in the memory budget before the record is serialized, and each
 * answer's before it is built; once sent, the records are no longer referenced from here (the
 * producer holds its own copy until the broker acknowledges), so what a caller keeps until the
 * acknowledgement is the {@link Part}: the answers only.
 */
public final class Ingestion {

  private static final byte[] RAW_EVENT_TYPE =
      RawEvent.getDescriptor().getFullName().getBytes(StandardCharsets.UTF_8);

  private final String rawTopic;
  private final String deadLetterTopic;
  private final PartitionKey partitionKey;
  private final String instanceId;
  private final int maxOriginalBytes;
  private final EventSink sink;
  private final IngestMetrics metrics;

  public Ingestion(CollectorProperties props, EventSink sink, IngestMetrics metrics) {
    this.rawTopic = props.topics().raw();
    this.deadLetterTopic = props.topics().deadLetter();
    this.partitionKey = props.partitionKey();
    this.instanceId = props.instanceId();
    this.maxOriginalBytes = (int) props.limits().maxEventBytes().toBytes();
    this.sink = sink;
    this.metrics = metrics;
  }

  /** The records and answers of some events of a request, ready to send. */
  public record Prepared(List<EventResult> results, List<ProducerRecord<String, byte[]>> records,
                         int accepted, int rejected, List<Rejection> rejections) {}

  /** The answers of a sent part of a request, once Kafka acknowledged all its records. */
  public record Part(List<EventResult> results, int accepted, int rejected) {}

  /**
   * What one answer ({@code EventResult}) is counted as in the memory budget: its text and about
   * 64 bytes of fields and object headers.
   */
  static long resultBytes(String eventId, String field, String message) {
    return 64L + eventId.length() + field.length() + message.length();
  }

  /**
   * Builds the records and answers of checked events.
   *
   * @param records where each record's bytes are reserved (released by the caller once acknowledged)
   * @param answers where each answer's bytes are reserved (released once the request is answered)
   * @throws OverBudgetException when the budget cannot take the next record or answer; what was
   *     reserved so far stays in the leases, for the caller to close
   */
  public Prepared prepare(RequestInfo info, List<CheckedEvent> events, MemoryBudget.Lease records,
                          MemoryBudget.Lease answers) {
    List<EventResult> results = new ArrayList<>(events.size());
    List<ProducerRecord<String, byte[]>> built = new ArrayList<>(events.size());
    List<Rejection> rejections = new ArrayList<>();
    Timestamp receivedAt = Timestamp.newBuilder()
        .setSeconds(info.receivedAt().getEpochSecond()).setNanos(info.receivedAt().getNano()).build();
    int accepted = 0;
    // Everything but the batch index is the same for the whole request.
    CollectorMetadata.Builder request = CollectorMetadata.newBuilder()
        .setReceivedAt(receivedAt)
        .setCollectorInstance(instanceId)
        .setRequestId(info.requestId())
        .setClientIp(info.clientIp() == null ? "" : info.clientIp())
        .setWriteKeyId(info.writeKeyId())
        .setTransport(info.transport())
        .setReplayId(info.replayId());
    for (CheckedEvent e : events) {
      CollectorMetadata metadata = request.setBatchIndex(e.index()).build();
      EventResult.Builder result = EventResult.newBuilder()
          .setIndex(e.index())
          .setEventId(e.eventIdAsSent());
      if (e.accepted()) {
        accepted++;
        answers.reserve(resultBytes(e.eventIdAsSent(), "", ""));
        results.add(result.setStatus(EventStatus.EVENT_STATUS_ACCEPTED).build());
        built.add(raw(e.event(), metadata, info.replayId(), records));
      } else {
        Rejection r = e.rejection();
        rejections.add(r);
        answers.reserve(resultBytes(e.eventIdAsSent(), r.field(), r.message()));
        results.add(result.setStatus(EventStatus.EVENT_STATUS_REJECTED)
            .setReason(r.reason()).setField(r.field()).setMessage(r.message()).build());
        built.add(deadLetter(e, metadata, receivedAt, records));
      }
    }
    return new Prepared(results, built, accepted, events.size() - accepted, rejections);
  }

  /**
   * Sends a prepared part of a request. The future fails with
   * {@link dev.millrace.collector.sink.SinkUnavailableException} when any record was not acknowledged.
   */
  public CompletableFuture<Part> send(Prepared prepared, Transport transport) {
    // Captured apart from the records, so the records are garbage once the producer has them.
    Part part = new Part(prepared.results(), prepared.accepted(), prepared.rejected());
    List<Rejection> rejections = prepared.rejections();
    return sink.sendAll(prepared.records()).thenApply(v -> {
      metrics.accepted(transport, part.accepted());
      rejections.forEach(r -> metrics.rejected(transport, r.reason()));
      return part;
    });
  }

  /** The answer for a whole request, from its parts in order. */
  public static BatchResult result(String requestId, List<Part> parts) {
    BatchResult.Builder result = BatchResult.newBuilder().setRequestId(requestId);
    int accepted = 0;
    int rejected = 0;
    for (Part p : parts) {
      accepted += p.accepted();
      rejected += p.rejected();
      result.addAllResults(p.results());
    }
    return result.setAccepted(accepted).setRejected(rejected).build();
  }

  private ProducerRecord<String, byte[]> raw(Event event, CollectorMetadata metadata, String replayId,
                                             MemoryBudget.Lease records) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(WireNames.HEADER_EVENT_ID, utf8(event.getEventId()));
    headers.add(WireNames.HEADER_EVENT_TYPE, utf8(event.getEventType()));
    headers.add(WireNames.HEADER_SCHEMA_VERSION, utf8(event.getSchemaVersion()));
    headers.add(WireNames.HEADER_CONTENT_TYPE, RAW_EVENT_TYPE);
    if (!replayId.isEmpty()) {
      headers.add(WireNames.HEADER_REPLAY_ID, utf8(replayId));
    }
    RawEvent message = RawEvent.newBuilder().setEvent(event).setMetadata(metadata).build();
    String key = key(event);
    records.reserve(KafkaSink.size(key, message.getSerializedSize(), headers));
    return new ProducerRecord<>(rawTopic, null, key, message.toByteArray(), headers);
  }

  private String key(Event event) {
    String user = event.getContext().getUserId();
    String anonymous = event.getContext().getAnonymousId();
    String key = switch (partitionKey) {
      case EVENT_ID -> event.getEventId();
      case USER_ID -> !user.isEmpty() ? user : anonymous;
      case ANONYMOUS_ID -> !anonymous.isEmpty() ? anonymous : user;
      case SOURCE -> event.getSource();
    };
    return key.isEmpty() ? event.getEventId() : key;
  }

  private ProducerRecord<String, byte[]> deadLetter(CheckedEvent e, CollectorMetadata metadata,
                                                    Timestamp failedAt, MemoryBudget.Lease records) {
    Rejection r = e.rejection();
    byte[] original = e.original();
    int length = original.length;
    String message = r.message();
    if (length > maxOriginalBytes) {
      // An oversized event must not make its dead letter too large for Kafka (and fail the request).
      length = maxOriginalBytes;
      message += " (original truncated to " + maxOriginalBytes + " bytes)";
    }
    Event event = e.event();
    DeadLetter letter = DeadLetters.newBuilder(Stage.STAGE_COLLECTOR, r.reason(), message, failedAt)
        // wrapped, not copied: nothing writes to a checked event's original bytes
        .setOriginal(UnsafeByteOperations.unsafeWrap(original, 0, length))
        .setEventId(e.eventIdAsSent())
        .setEventType(event.getEventType())
        .setSchemaVersion(event.getSchemaVersion())
        .setMetadata(metadata)
        .addViolations(Violation.newBuilder()
            .setPointer(r.field()).setMessage(r.message()).setKeyword(r.reason().name()))
        .build();
    RecordHeaders headers = new RecordHeaders();
    DeadLetters.headers(letter, headers::add);
    records.reserve(KafkaSink.size(e.eventIdAsSent(), letter.getSerializedSize(), headers));
    return new ProducerRecord<>(deadLetterTopic, null, e.eventIdAsSent(), letter.toByteArray(), headers);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
