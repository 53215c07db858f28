package dev.millrace.replay;

import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import java.time.Instant;
import java.util.Set;

/**
 * Which dead letters a run considers: by reason (any when empty), event type and the dead letter's
 * {@code failed_at} in {@code [from, to)}. The topics (stages) are chosen before reading.
 */
public record Selection(Set<ReasonCode> reasons, String eventType, Instant from, Instant to) {

  public static Selection all() {
    return new Selection(Set.of(), null, null, null);
  }

  public boolean matches(DeadLetter d) {
    if (!reasons.isEmpty() && !reasons.contains(d.getReason())) {
      return false;
    }
    if (eventType != null && !eventType.equals(d.getEventType())) {
      return false;
    }
    Instant failedAt = Instant.ofEpochSecond(d.getFailedAt().getSeconds(), d.getFailedAt().getNanos());
    if (from != null && failedAt.isBefore(from)) {
      return false;
    }
    return to == null || failedAt.isBefore(to);
  }
}
