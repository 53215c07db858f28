package dev.millrace.replay;

import dev.millrace.proto.v1.Stage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One replay run: read what was replayed, read the selected dead letters, show the plan, ask, then
 * re-submit each dead letter to the stage that failed it and record it, under one replay id.
 *
 * <ul>
 *   <li>An enricher dead letter's event goes back to the raw topic <b>in the same Kafka transaction
 *       as its replay record</b> (batches of {@value #BATCH}): both are written or neither, so a dead
 *       letter is recorded as replayed exactly when its event was re-submitted.
 *   <li>A collector dead letter goes through the collector's HTTP API (its own checks), then its
 *       replay record is written. A crash between the two leaves an event re-submitted but not
 *       recorded: the next run re-submits it, the same event id, which downstream deduplicates.
 * </ul>
 */
public final class ReplayRun {

  static final int BATCH = 500;
  private static final int RECORD_BATCH = 100;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final ReplayOptions options;
  private final String replayId;
  private final ReplayStore store;
  private final CollectorClient collector;
  private final PrintStream out;
  private final PrintStream err;
  private final BufferedReader in;
  private final Clock clock;

  /** What happened, for the final summary and the tests. */
  public static final class Outcome {
    public final Map<String, Long> replayedByReason = new TreeMap<>();
    public final Map<String, Long> failedByWhy = new TreeMap<>();
    public long replayed;
    public long failed;
    public long refused;
    public long collectorAccepted;
    public long collectorRefusedAgain;
    public Plan plan;
  }

  private final Outcome outcome = new Outcome();

  public ReplayRun(ReplayOptions options, String replayId, ReplayStore store, CollectorClient collector,
                   PrintStream out, PrintStream err, BufferedReader in, Clock clock) {
    this.options = options;
    this.replayId = replayId;
    this.store = store;
    this.collector = collector;
    this.out = out;
    this.err = err;
    this.in = in;
    this.clock = clock;
  }

  public Outcome outcome() {
    return outcome;
  }

  /** Runs; returns the exit code: 0 done, 1 some replay failed (or the run was declined), 2 a usage error. */
  public int run() throws IOException, InterruptedException {
    err.println("replay " + replayId + ": reading " + options.replaysTopic() + " and " + String.join(", ", options.topics()));
    var replayed = store.replayedKeys();
    List<Found> found = store.scan(options.topics());
    Plan plan = Plan.of(found, options.selection(), replayed, options.force(), options.max());
    outcome.plan = plan;
    outcome.refused = plan.refused.size();
    out.println("replay " + replayId + (options.dryRun() ? " (dry run: nothing is sent)" : "") + ": "
        + found.size() + " dead letters read");
    out.print(plan.summary());
    if (options.dryRun()) {
      return 0;
    }
    if (plan.toReplay.isEmpty()) {
      out.println("nothing to replay");
      return 0;
    }
    if (plan.hasCollectorDeadLetters() && collector == null) {
      err.println("replay: collector dead letters are selected: give --collector-url and --write-key"
          + " (or select --stage enricher)");
      return 2;
    }
    if (!options.yes() && !confirmed(plan.toReplay.size())) {
      err.println("replay: not confirmed; nothing sent");
      return 1;
    }

    List<Found> enricher = new ArrayList<>();
    List<Found> collectorLetters = new ArrayList<>();
    for (Found f : plan.toReplay) {
      (f.deadLetter().getStage() == Stage.STAGE_COLLECTOR ? collectorLetters : enricher).add(f);
    }
    int total = plan.toReplay.size();
    replayEnricher(plan, enricher, total);
    replayCollector(plan, collectorLetters, total);
    progress(total, true);
    printSummary();
    return outcome.failed > 0 ? 1 : 0;
  }

  private boolean confirmed(int n) throws IOException {
    err.print("replay " + n + " dead letters" + (options.force() && n > 0 ? " (forced)" : "") + "? [y/N] ");
    err.flush();
    String answer = in.readLine();
    return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
  }

  private void replayEnricher(Plan plan, List<Found> letters, int total) {
    for (int i = 0; i < letters.size(); i += BATCH) {
      List<Found> batch = letters.subList(i, Math.min(letters.size(), i + BATCH));
      List<ProducerRecord<String, byte[]>> records = new ArrayList<>(2 * batch.size());
      for (Found f : batch) {
        records.add(Resubmissions.rawRecord(f, replayId, options.rawTopic()));
        records.add(Resubmissions.replayRecord(f, replayId, options.rawTopic(), plan.forced.contains(f.key()),
            clock.instant(), options.replaysTopic()));
      }
      try {
        store.commit(records);
        batch.forEach(this::replayed);
      } catch (KafkaException e) {
        // the transaction was aborted: none of the batch was re-submitted or recorded
        batch.forEach(f -> failed("the Kafka transaction did not commit: " + e.getMessage()));
      }
      progress(total, false);
    }
  }

  private void replayCollector(Plan plan, List<Found> letters, int total) throws InterruptedException {
    List<Found> sent = new ArrayList<>();
    List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    String target = options.collectorUrl();
    for (Found f : letters) {
      Resubmissions.CollectorRequest request = Resubmissions.collectorRequest(f.deadLetter());
      try {
        CollectorClient.Answer answer = collector.post(request.path(), request.body(), replayId);
        if (answer.status() / 100 != 2) {
          failed("the collector answered " + answer.status() + ": " + brief(answer.body()));
        } else {
          countAnswer(answer.body());
          sent.add(f);
          records.add(Resubmissions.replayRecord(f, replayId, target + request.path(), plan.forced.contains(f.key()),
              clock.instant(), options.replaysTopic()));
        }
      } catch (IOException e) {
        failed("the collector could not be reached: " + e.getMessage());
      }
      if (records.size() >= RECORD_BATCH) {
        record(sent, records);
      }
      progress(total, false);
    }
    record(sent, records);
  }

  /** Writes the replay records of collector dead letters already re-submitted. */
  private void record(List<Found> sent, List<ProducerRecord<String, byte[]>> records) {
    if (records.isEmpty()) {
      return;
    }
    try {
      store.commit(records);
      sent.forEach(this::replayed);
    } catch (KafkaException e) {
      sent.forEach(f -> failed("re-submitted to the collector, but its replay record was not written: "
          + e.getMessage()));
    }
    sent.clear();
    records.clear();
  }

  /** The collector's BatchResult: whether the event was accepted or refused again (a new dead letter). */
  private void countAnswer(String body) {
    try {
      JsonNode result = JSON.readTree(body);
      outcome.collectorAccepted += result.path("accepted").asLong(0);
      outcome.collectorRefusedAgain += result.path("rejected").asLong(0);
    } catch (RuntimeException e) {
      // a 2xx that is not a BatchResult (a GIF, a proxy's page): counted as replayed all the same
    }
  }

  private void replayed(Found f) {
    outcome.replayed++;
    outcome.replayedByReason.merge(f.deadLetter().getReason().name(), 1L, Long::sum);
  }

  private void failed(String why) {
    outcome.failed++;
    outcome.failedByWhy.merge(why, 1L, Long::sum);
  }

  private long lastProgress;

  private void progress(int total, boolean last) {
    long now = System.nanoTime();
    if (!last && now - lastProgress < 200_000_000L) {
      return;
    }
    lastProgress = now;
    long done = outcome.replayed + outcome.failed;
    int width = 30;
    int filled = total == 0 ? width : (int) (width * done / total);
    err.print(String.format(Locale.ROOT, "\r[%s%s] %d/%d replayed %d, failed %d", "#".repeat(filled),
        " ".repeat(width - filled), done, total, outcome.replayed, outcome.failed));
    if (last) {
      err.println();
    }
    err.flush();
  }

  private void printSummary() {
    out.println("replayed " + outcome.replayed + (outcome.replayedByReason.isEmpty() ? "" : " " + outcome.replayedByReason));
    if (outcome.collectorAccepted + outcome.collectorRefusedAgain > 0) {
      out.println("  through the collector: " + outcome.collectorAccepted + " accepted, "
          + outcome.collectorRefusedAgain + " refused again (new dead letters with this replay id)");
    }
    out.println("refused " + outcome.refused + " (already replayed" + (options.force() ? "" : "; --force replays them") + ")");
    out.println("skipped " + outcome.plan.skipped.size() + ", over --max " + outcome.plan.overMax.size());
    out.println("failed " + outcome.failed);
    outcome.failedByWhy.forEach((why, n) -> out.println("  " + n + ": " + why));
    out.println("replay id " + replayId + " (metadata.replay_id of every re-submitted event)");
  }

  private static String brief(String body) {
    String b = body == null ? "" : body.replaceAll("\\s+", " ");
    return b.length() > 200 ? b.substring(0, 200) + "…" : b;
  }
}
