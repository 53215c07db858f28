package dev.millrace.collector.validate;

import dev.millrace.proto.v1.ReasonCode;

/**
 * Why one event is refused: a reason code for machines, the offending field as a JSON Pointer
 * (empty for the event as a whole) and a message for a human that never quotes the payload.
 */
public record Rejection(ReasonCode reason, String field, String message) {

  public static Rejection of(ReasonCode reason, String field, String message) {
    return new Rejection(reason, field, message);
  }
}
