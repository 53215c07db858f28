package dev.millrace.replay;

import dev.millrace.proto.v1.DeadLetter;

/**
 * A dead letter as read from its topic, with where it was read: {@link #key()} names it in the
 * replays topic.
 */
public record Found(String topic, int partition, long offset, DeadLetter deadLetter) {

  /** {@code <topic>-<partition>@<offset>}: unique, and the same on every read of the topic. */
  public String key() {
    return key(topic, partition, offset);
  }

  public static String key(String topic, int partition, long offset) {
    return topic + "-" + partition + "@" + offset;
  }
}
