package dev.millrace.producer.traffic;

import dev.millrace.proto.v1.Event;

/**
 * One event of the demo traffic.
 *
 * @param event the event as it goes on the wire (gRPC as is, REST rendered to JSON)
 * @param invalid how it was broken on purpose, or null for a valid event
 * @param duplicate true when it is a resend of an earlier event (same id, same content)
 */
public record GeneratedEvent(Event event, InvalidKind invalid, boolean duplicate) {

  public String eventId() {
    return event.getEventId();
  }

  public boolean valid() {
    return invalid == null;
  }
}
