package dev.millrace.replay;

import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.ReasonCode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code millrace replay}: see the module's README. */
@Command(name = "millrace replay", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Re-submits dead letters to the stage that failed them: enricher dead",
        "letters to the raw topic, collector dead letters through the collector's",
        "HTTP API. Shows what it will do first; a dead letter already replayed is",
        "refused unless --force. Exit 0 when every replay succeeded, 1 when one",
        "failed (or the run was not confirmed), 2 on a usage error."})
public final class ReplayMain implements Callable<Integer> {

  /** Which dead-letter topics to read. */
  public enum StageName { collector, enricher }

  @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers")
  String bootstrapServers;

  @Option(names = "--stage", split = ",", description = "collector and/or enricher (default: both)")
  List<StageName> stages = new ArrayList<>();

  @Option(names = "--collector-dead-letter-topic", description = "default: ${DEFAULT-VALUE}")
  String collectorTopic = WireNames.COLLECTOR_DEAD_LETTER_TOPIC;

  @Option(names = "--enricher-dead-letter-topic", description = "default: ${DEFAULT-VALUE}")
  String enricherTopic = WireNames.ENRICHER_DEAD_LETTER_TOPIC;

  @Option(names = "--reason", description = "only dead letters with this reason code (repeatable)")
  List<ReasonCode> reasons = new ArrayList<>();

  @Option(names = "--event-type", description = "only dead letters of this event type")
  String eventType;

  @Option(names = "--from", description = "only dead letters that failed at or after this RFC 3339 time")
  String from;

  @Option(names = "--to", description = "only dead letters that failed before this RFC 3339 time")
  String to;

  @Option(names = "--max", description = "replay at most N dead letters")
  long max = -1;

  @Option(names = "--dry-run", description = "print what would be replayed; send nothing")
  boolean dryRun;

  @Option(names = "--yes", description = "do not ask for confirmation")
  boolean yes;

  @Option(names = "--force", description = "replay dead letters already replayed, too")
  boolean force;

  @Option(names = "--collector-url", description = "a collector's HTTP base URL, e.g. http://collector:8080")
  String collectorUrl;

  @Option(names = "--write-key", description = "the write key collector dead letters are re-sent with (default: $MILLRACE_WRITE_KEY)")
  String writeKey = System.getenv("MILLRACE_WRITE_KEY");

  @Option(names = "--raw-topic", description = "default: ${DEFAULT-VALUE}")
  String rawTopic = WireNames.RAW_TOPIC;

  @Option(names = "--replays-topic", description = "default: ${DEFAULT-VALUE}")
  String replaysTopic = WireNames.REPLAYS_TOPIC;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs with {@code args}; returns the exit code. */
  public static int execute(String... args) {
    return new CommandLine(new ReplayMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
  }

  @Override
  public Integer call() throws Exception {
    ReplayOptions options;
    try {
      options = options();
    } catch (IllegalArgumentException e) {
      System.err.println("replay: " + e.getMessage());
      return 2;
    }
    String replayId = UUID.randomUUID().toString();
    CollectorClient collector = collectorUrl == null || writeKey == null ? null
        : new HttpCollectorClient(collectorUrl, writeKey);
    try (KafkaReplayStore store = new KafkaReplayStore(bootstrapServers, replaysTopic, replayId)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      return new ReplayRun(options, replayId, store, collector, System.out, System.err, in, Clock.systemUTC()).run();
    }
  }

  ReplayOptions options() {
    Set<StageName> chosen = stages.isEmpty() ? EnumSet.allOf(StageName.class) : EnumSet.copyOf(stages);
    List<String> topics = new ArrayList<>();
    if (chosen.contains(StageName.collector)) {
      topics.add(collectorTopic);
    }
    if (chosen.contains(StageName.enricher)) {
      topics.add(enricherTopic);
    }
    Instant fromTime = time("--from", from);
    Instant toTime = time("--to", to);
    if (fromTime != null && toTime != null && !fromTime.isBefore(toTime)) {
      throw new IllegalArgumentException("--from must be before --to");
    }
    if (max < -1) {
      throw new IllegalArgumentException("--max must be 0 or more");
    }
    if ((collectorUrl == null) != (writeKey == null) && collectorUrl != null) {
      throw new IllegalArgumentException("--collector-url needs --write-key (or MILLRACE_WRITE_KEY)");
    }
    return new ReplayOptions(topics, new Selection(Set.copyOf(reasons), eventType, fromTime, toTime), max, dryRun,
        yes, force, rawTopic, replaysTopic, collectorUrl, writeKey);
  }

  private static Instant time(String option, String value) {
    if (value == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException(option + " must be an RFC 3339 time, e.g. 2026-12-07T08:00:00Z: " + value);
    }
  }
}
