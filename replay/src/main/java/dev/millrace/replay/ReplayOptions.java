package dev.millrace.replay;

import java.util.List;

/**
 * One run's settings, validated by {@link ReplayMain}.
 *
 * @param topics the dead-letter topics to read
 * @param max at most this many dead letters are replayed; negative for all
 * @param collectorUrl base URL of a collector's HTTP port; null when collector dead letters are not replayed
 */
public record ReplayOptions(List<String> topics, Selection selection, long max, boolean dryRun, boolean yes,
                            boolean force, String rawTopic, String replaysTopic, String collectorUrl,
                            String writeKey) {}
