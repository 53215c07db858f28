package dev.millrace.replay;

import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a run will do with each selected dead letter, decided before anything is sent: replay it,
 * refuse it (already replayed, no {@code --force}), leave it for a later run (over {@code --max}),
 * or skip it with a reason (a stage replay cannot re-submit to, an original that cannot be read).
 */
public final class Plan {

  /** A dead letter this run will not replay, and why. */
  public record Skipped(Found found, String why) {}

  public final List<Found> toReplay = new ArrayList<>();
  /** Already replayed (a record in the replays topic) and not forced. */
  public final List<Found> refused = new ArrayList<>();
  /** Selected, replayable, but over {@code --max}. */
  public final List<Found> overMax = new ArrayList<>();
  public final List<Skipped> skipped = new ArrayList<>();
  /** Of {@link #toReplay}, those an earlier replay already re-submitted ({@code --force}). */
  public final Set<String> forced = new java.util.HashSet<>();

  /**
   * @param found the dead letters read, in topic order
   * @param replayed the keys of the dead letters the replays topic records
   * @param max at most this many are replayed; negative for no limit
   */
  public static Plan of(Collection<Found> found, Selection selection, Set<String> replayed, boolean force, long max) {
    Plan plan = new Plan();
    for (Found f : found) {
      if (!selection.matches(f.deadLetter())) {
        continue;
      }
      String unreplayable = Resubmissions.whyNotReplayable(f.deadLetter());
      if (unreplayable != null) {
        plan.skipped.add(new Skipped(f, unreplayable));
      } else if (replayed.contains(f.key()) && !force) {
        plan.refused.add(f);
      } else if (max >= 0 && plan.toReplay.size() >= max) {
        plan.overMax.add(f);
      } else {
        plan.toReplay.add(f);
        if (replayed.contains(f.key())) {
          plan.forced.add(f.key());
        }
      }
    }
    return plan;
  }

  public boolean hasCollectorDeadLetters() {
    return toReplay.stream().anyMatch(f -> f.deadLetter().getStage() == Stage.STAGE_COLLECTOR);
  }

  /** The dry-run summary: one line per topic and reason, then a total and the skipped ones' reasons. */
  public String summary() {
    Map<String, long[]> rows = new TreeMap<>();
    count(rows, toReplay, 0);
    count(rows, refused, 1);
    count(rows, overMax, 2);
    skipped.forEach(s -> row(rows, s.found())[3]++);
    StringBuilder b = new StringBuilder();
    String format = "%-34s %-24s %9s %16s %9s %8s%n";
    b.append(String.format(format, "topic", "reason", "to replay", "already replayed", "over max", "skipped"));
    long[] total = new long[4];
    rows.forEach((key, n) -> {
      String[] parts = key.split("\t", 2);
      b.append(String.format(format, parts[0], parts[1], n[0], n[1], n[2], n[3]));
      for (int i = 0; i < 4; i++) {
        total[i] += n[i];
      }
    });
    b.append(String.format(format, "total", "", total[0], total[1], total[2], total[3]));
    if (total[1] > 0) {
      b.append(total[1]).append(" already replayed: refused (--force replays them again)\n");
    }
    Map<String, Long> why = new TreeMap<>();
    skipped.forEach(s -> why.merge(s.why(), 1L, Long::sum));
    why.forEach((w, n) -> b.append(n).append(" skipped: ").append(w).append('\n'));
    return b.toString();
  }

  private static void count(Map<String, long[]> rows, List<Found> found, int column) {
    found.forEach(f -> row(rows, f)[column]++);
  }

  private static long[] row(Map<String, long[]> rows, Found f) {
    ReasonCode reason = f.deadLetter().getReason();
    return rows.computeIfAbsent(f.topic() + "\t" + reason.name(), k -> new long[4]);
  }
}
