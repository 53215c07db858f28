package dev.millrace.collector.compat;

import java.time.Instant;

/**
 * When an event happened, from a tracker's device timestamps corrected against the collector's
 * clock. A device's clock can be hours off; the time between creating an event and sending it is
 * measured on that same clock, so {@code received − (sent − created)} places the event on the
 * collector's clock (Segment's {@code timestamp}, Snowplow's {@code derived_tstamp}).
 */
public final class DeviceClock {

  private DeviceClock() {}

  /**
   * @param created when the device says the event happened, or null
   * @param sent when the device says it sent the event, or null
   * @param received when the collector received the request
   * @return {@code received − (sent − created)} when both device times are known; else
   *     {@code created}; else {@code received}
   */
  public static Instant occurredAt(Instant created, Instant sent, Instant received) {
    if (created == null) {
      return received;
    }
    if (sent == null) {
      return created;
    }
    return received.minus(java.time.Duration.between(created, sent));
  }
}
