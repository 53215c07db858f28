package dev.millrace.collector.config;

/**
 * Which value keys a raw-topic record, and so which events share a partition (and their order).
 * Every choice falls back to the event id when its field is empty, so a key is never empty.
 */
public enum PartitionKey {
  /** The event id: even spread, no ordering between a user's events. */
  EVENT_ID,
  /** {@code context.user_id}, else {@code context.anonymous_id}: a user's events stay in order. */
  USER_ID,
  /** {@code context.anonymous_id}, else {@code context.user_id}: a device's events stay in order. */
  ANONYMOUS_ID,
  /** The event's {@code source}: one application's events stay in order. */
  SOURCE
}
