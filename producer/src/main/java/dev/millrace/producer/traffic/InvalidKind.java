package dev.millrace.producer.traffic;

import dev.millrace.proto.v1.ReasonCode;

/**
 * The ways the demo traffic breaks an event on purpose, one per collector check, so a run shows
 * every kind of rejection with its reason. Each kind keeps a readable event id (except where the id
 * itself is the fault, and then it is still a unique text) so a rejected event can be traced.
 */
public enum InvalidKind {
  /** {@code event_id} is not a UUID. */
  BAD_EVENT_ID(ReasonCode.INVALID_EVENT_ID),
  /** {@code event_type} breaks the lower-snake-case name pattern. */
  BAD_EVENT_TYPE(ReasonCode.INVALID_EVENT_TYPE),
  /** {@code schema_version} is not SchemaVer {@code MODEL-REVISION-ADDITION}. */
  BAD_SCHEMA_VERSION(ReasonCode.INVALID_SCHEMA_VERSION),
  /** {@code event_type} is absent. */
  MISSING_FIELD(ReasonCode.MISSING_FIELD),
  /** {@code payload} is a JSON array instead of an object. */
  PAYLOAD_NOT_OBJECT(ReasonCode.PAYLOAD_NOT_OBJECT),
  /** {@code occurred_at} is 30 days ahead: a device with a wrong clock. */
  CLOCK_SKEW(ReasonCode.CLOCK_SKEW);

  private final ReasonCode expectedReason;

  InvalidKind(ReasonCode expectedReason) {
    this.expectedReason = expectedReason;
  }

  /** The reason the collector is expected to give. */
  public ReasonCode expectedReason() {
    return expectedReason;
  }
}
