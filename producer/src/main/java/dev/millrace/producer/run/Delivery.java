package dev.millrace.producer.run;

import dev.millrace.producer.traffic.GeneratedEvent;
import dev.millrace.proto.v1.BatchResult;
import java.time.Instant;
import java.util.List;

/**
 * The outcome of one request: what was sent, over what, when, and the collector's answer.
 *
 * @param events the batch as sent, in order (results are matched by index)
 * @param transport "rest" or "grpc"
 * @param sentAt wall-clock time the request left, for event-to-searchable latency
 * @param latencyNanos time from sending to the answer
 * @param result the per-event answer, or null when the request failed
 * @param errorKind the failure's kind when {@code result} is null (e.g. "http 503")
 * @param errorMessage the failure for a human when {@code result} is null
 */
public record Delivery(List<GeneratedEvent> events, String transport, Instant sentAt, long latencyNanos,
                       BatchResult result, String errorKind, String errorMessage) {

  public boolean failed() {
    return result == null;
  }
}
