package dev.millrace.collector.validate;

import dev.millrace.proto.v1.Event;

/**
 * One event of a request after decoding and validation.
 *
 * @param index position in the request, from 0
 * @param eventIdAsSent the event id as the producer sent it, or "" when absent or unreadable
 * @param event the decoded event; for a rejected event it holds whatever could be read
 * @param rejection why the event is refused, or null when it is accepted
 * @param original the event's bytes as they arrived (its JSON text over REST, its Protobuf over
 *     gRPC); over gRPC only kept for a rejected event, since only a dead letter carries them
 */
public record CheckedEvent(int index, String eventIdAsSent, Event event, Rejection rejection,
                           byte[] original) {

  public boolean accepted() {
    return rejection == null;
  }
}
