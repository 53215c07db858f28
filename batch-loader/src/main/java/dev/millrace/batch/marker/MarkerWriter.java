package dev.millrace.batch.marker;

import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.store.ObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Completeness markers for the curation job.
 *
 * <p>Each loader instance publishes, per Kafka partition it owns, a <em>safe watermark</em>: the
 * partition's watermark held back to the hour of any file not yet uploaded (see
 * {@code PartitionState}). An hour is complete when the lowest safe watermark over <em>all</em>
 * partitions of the topic (read back from the store, so several instances agree) is past the
 * hour's end plus the grace period. Then this writer lists the hour's files and writes
 * {@code _SUCCESS} (a JSON manifest of the files) into each event type's partition directory that
 * has files, and one hour-level manifest under {@code _markers/}. A cursor object remembers the next
 * hour to mark, so hours without data still get their hour-level marker and a restart resumes.
 * Writing a marker twice (two instances) writes the same content: it is idempotent.
 *
 * <p>The loader calls these between polls of its Kafka consumer, so the variants that take an
 * {@code outOfTime} check stop between two store calls once the loop's turn is over; what is left
 * is done at the next check (the cursor only moves past an hour once all of its markers are
 * written).
 */
public final class MarkerWriter {

  private static final Logger log = LoggerFactory.getLogger(MarkerWriter.class);
  private static final long HOUR = Duration.ofHours(1).toMillis();
  /** Hours marked per check, so a loader far behind catches up without a long stall. */
  private static final int MAX_HOURS_PER_CHECK = 24;

  private final ObjectStore store;
  private final ObjectNames names;
  private final String topic;
  private final long graceMillis;
  private final JsonMapper json = JsonMapper.builder().build();

  public MarkerWriter(ObjectStore store, ObjectNames names, String topic, Duration grace) {
    this.store = store;
    this.names = names;
    this.topic = topic;
    this.graceMillis = grace.toMillis();
  }

  /** Publishes one partition's safe watermark; never moves it backwards. */
  public void publish(int partition, long safeWatermarkMillis) throws IOException {
    store.put(names.watermarkKey(topic, partition),
        Long.toString(safeWatermarkMillis).getBytes(StandardCharsets.UTF_8));
  }

  /** A partition's published watermark, if any. */
  public OptionalLong published(int partition) throws IOException {
    Optional<byte[]> bytes = store.get(names.watermarkKey(topic, partition));
    return bytes.map(b -> OptionalLong.of(Long.parseLong(new String(b, StandardCharsets.UTF_8).trim())))
        .orElse(OptionalLong.empty());
  }

  /**
   * The lowest published watermark over partitions {@code 0..partitionCount-1}, or empty while any
   * partition has none (nothing is complete until every partition has reported).
   */
  public OptionalLong globalWatermark(int partitionCount, Map<Integer, Long> fresher)
      throws IOException {
    return globalWatermark(partitionCount, fresher, () -> false);
  }

  /** As {@link #globalWatermark(int, Map)}; empty when {@code outOfTime} before all are read. */
  public OptionalLong globalWatermark(int partitionCount, Map<Integer, Long> fresher,
                                      BooleanSupplier outOfTime) throws IOException {
    Map<Integer, Long> all = new LinkedHashMap<>();
    for (String key : store.list(names.watermarkDirectory(topic))) {
      int p = ObjectNames.parseWatermarkPartition(key);
      if (p < 0) {
        continue;
      }
      if (outOfTime.getAsBoolean()) {
        return OptionalLong.empty();
      }
      store.get(key).ifPresent(b -> all.put(p, Long.parseLong(new String(b, StandardCharsets.UTF_8).trim())));
    }
    all.putAll(fresher);
    long min = Long.MAX_VALUE;
    for (int p = 0; p < partitionCount; p++) {
      Long w = all.get(p);
      if (w == null) {
        return OptionalLong.empty();
      }
      min = Math.min(min, w);
    }
    return OptionalLong.of(min);
  }

  /**
   * Marks every complete hour from the cursor on.
   *
   * @param watermarkMillis the global safe watermark
   * @param firstHourIfNew where to start when no cursor exists yet (the earliest hour seen)
   * @return the hours marked, as their start in epoch millis
   */
  public List<Long> markCompleteHours(long watermarkMillis, OptionalLong firstHourIfNew)
      throws IOException {
    return markCompleteHours(watermarkMillis, firstHourIfNew, () -> false);
  }

  /**
   * As {@link #markCompleteHours(long, OptionalLong)}, stopping between two store calls once
   * {@code outOfTime}; an hour left half-marked is marked again, whole, by the next call.
   */
  public List<Long> markCompleteHours(long watermarkMillis, OptionalLong firstHourIfNew,
                                      BooleanSupplier outOfTime) throws IOException {
    List<Long> marked = new ArrayList<>();
    Optional<byte[]> stored = store.get(names.markerCursorKey());
    long cursor;
    if (stored.isPresent()) {
      cursor = Long.parseLong(new String(stored.get(), StandardCharsets.UTF_8).trim());
    } else if (firstHourIfNew.isPresent()) {
      cursor = Destination.hourStart(firstHourIfNew.getAsLong());
    } else {
      return marked;
    }
    while (cursor + HOUR + graceMillis <= watermarkMillis && marked.size() < MAX_HOURS_PER_CHECK
        && !outOfTime.getAsBoolean()) {
      if (!markHour(cursor, outOfTime)) {
        break;
      }
      marked.add(cursor);
      cursor += HOUR;
      store.put(names.markerCursorKey(), Long.toString(cursor).getBytes(StandardCharsets.UTF_8));
    }
    return marked;
  }

  /** True when {@code hourStartMillis} is complete at {@code watermarkMillis}. */
  public boolean complete(long hourStartMillis, long watermarkMillis) {
    return hourStartMillis + HOUR + graceMillis <= watermarkMillis;
  }

  /** Writes the hour's markers; false when out of time first (the hour marker is not written). */
  private boolean markHour(long hourStart, BooleanSupplier outOfTime) throws IOException {
    String hourDir = Destination.hourDirectory(hourStart);
    List<String> allFiles = new ArrayList<>();
    for (String typeDir : store.listDirectories(names.prefix() + "/")) {
      if (!typeDir.startsWith(names.prefix() + "/event_type=")) {
        continue;
      }
      if (outOfTime.getAsBoolean()) {
        return false;
      }
      List<String> files = store.list(typeDir + hourDir + "/").stream()
          .filter(k -> k.endsWith(".parquet")).sorted().toList();
      if (files.isEmpty()) {
        continue;
      }
      Destination destination = Destination.parse(files.get(0));
      store.put(names.partitionMarkerKey(destination), manifest(hourStart, files));
      allFiles.addAll(files);
    }
    if (outOfTime.getAsBoolean()) {
      return false;
    }
    store.put(names.hourMarkerKey(hourStart), manifest(hourStart, allFiles));
    log.info("marked {} complete: {} files", hourDir, allFiles.size());
    return true;
  }

  private byte[] manifest(long hourStart, List<String> files) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("hour", Instant.ofEpochMilli(hourStart).toString());
    m.put("files", files);
    return json.writeValueAsBytes(m);
  }
}
