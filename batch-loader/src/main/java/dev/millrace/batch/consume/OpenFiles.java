package dev.millrace.batch.consume;

import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.parquet.SpillFile;
import dev.millrace.batch.parquet.WireEvent;
import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.partition.RotationPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop's open files, one per destination (event type and hour) per partition: opens the file of
 * a record's destination, appends the record, and closes files by the rotation rules (records,
 * bytes, age, a complete hour), where a previous owner's receipt says a file ends, or to stay under
 * the open-file cap (the oldest file is closed first). A closed file joins its partition's pending
 * files and the {@link Uploader}'s queue.
 */
final class OpenFiles {

  private static final Logger log = LoggerFactory.getLogger(OpenFiles.class);

  private final Map<TopicPartition, PartitionState> states;
  private final Path spillDir;
  private final BatchProperties.Parquet parquet;
  private final RotationPolicy rotation;
  private final long maxRecords;
  private final int maxOpenFiles;
  private final long idleAfterMillis;
  private final Uploader uploader;
  private final LoaderMetrics metrics;
  private int count;

  OpenFiles(BatchProperties props, Path spillDir, int maxOpenFiles,
            Map<TopicPartition, PartitionState> states, Uploader uploader, LoaderMetrics metrics) {
    this.states = states;
    this.spillDir = spillDir;
    this.parquet = props.parquet();
    this.rotation = new RotationPolicy(props.rotation().maxRecords(),
        props.rotation().maxBytes().toBytes(), props.rotation().interval(), props.marker().grace());
    this.maxRecords = props.rotation().maxRecords();
    this.maxOpenFiles = maxOpenFiles;
    this.idleAfterMillis = props.marker().idleAfter().toMillis();
    this.uploader = uploader;
    this.metrics = metrics;
  }

  /** Files open for writing, over every partition. */
  int count() {
    return count;
  }

  /** Local spill files of a previous run are never uploaded: their records are re-read. */
  void clearSpillDirectory() throws IOException {
    Files.createDirectories(spillDir);
    try (var files = Files.list(spillDir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().endsWith(".parquet")) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * Appends the record to the open file of its destination (opening one if needed), then closes
   * that file if a rotation rule says so.
   */
  void append(PartitionState st, Destination destination, WireEvent event,
              ConsumerRecord<String, byte[]> record, long now) throws IOException {
    OpenFile file = st.open.get(destination);
    if (file == null) {
      makeRoom();
      file = open(st, destination, record.offset(), now);
      st.open.put(destination, file);
    }
    file.spill.write(event, record.topic(), record.partition(), record.offset());
    file.lastOffset = record.offset();
    st.nextOffset = record.offset() + 1;
    metrics.rows.increment();
    if (file.mustEndAt >= 0) {
      // The previous owner's file of this range: same end, so the same name and the same records.
      if (record.offset() >= file.mustEndAt) {
        close(st, file, RotationPolicy.Reason.RECEIPT);
      }
      return;
    }
    // The encoded size is a sum over every column writer: checked every 64 records, not each one.
    if ((file.spill.records() & 63) == 0 || file.spill.records() >= maxRecords) {
      RotationPolicy.Reason reason = rotation.decide(file.spill.records(), file.spill.dataSize(),
          file.openedAtMillis, destination.hourEndMillis(), now, Long.MIN_VALUE);
      if (reason != null) {
        close(st, file, reason);
      }
    }
  }

  private OpenFile open(PartitionState st, Destination destination, long offset, long now)
      throws IOException {
    Path path = spillDir.resolve(UUID.randomUUID() + ".parquet");
    SpillFile spill = new SpillFile(path, parquet);
    count++;
    OpenFile file = new OpenFile(st.partition, destination, spill, offset, now);
    Map<Long, Long> unfinished = st.unfinished.get(destination);
    Long end = unfinished == null ? null : unfinished.remove(offset);
    if (end != null) {
      file.mustEndAt = end;
      log.info("{} {} from offset {}: ends at {}, as the previous owner's unfinished upload",
          st.partition, destination.directory(), offset, end);
    }
    return file;
  }

  /**
   * Keeps the open files under the cap by closing the oldest one. Files held to a previous owner's
   * receipt are not closed early (they fill up quickly: their records are being re-read), so the
   * cap may be passed by those for a moment.
   */
  private void makeRoom() throws IOException {
    while (count >= maxOpenFiles) {
      OpenFile oldest = null;
      PartitionState owner = null;
      for (PartitionState st : states.values()) {
        for (OpenFile f : st.open.values()) {
          if (f.mustEndAt >= 0) {
            continue;
          }
          if (oldest == null || f.openedAtMillis < oldest.openedAtMillis) {
            oldest = f;
            owner = st;
          }
        }
      }
      if (oldest == null) {
        return;
      }
      close(owner, oldest, RotationPolicy.Reason.OPEN_FILE_CAP);
    }
  }

  private void close(PartitionState st, OpenFile file, RotationPolicy.Reason reason)
      throws IOException {
    st.open.remove(file.destination);
    count--;
    file.spill.close();
    file.size = sizeOf(file.spill.path());
    st.pending.add(file);
    uploader.add(file);
    log.debug("closed {} [{}..{}] {} records ({})", file.destination.directory(), file.firstOffset,
        file.lastOffset, file.spill.records(), reason);
  }

  /**
   * Closes the files whose age or complete hour says so. Run every turn, not only when a record
   * arrives, so a quiet partition's file is uploaded within the interval.
   */
  void rotateByTime(long now) throws IOException {
    for (PartitionState st : states.values()) {
      long watermark = st.watermark(now, idleAfterMillis);
      for (OpenFile file : List.copyOf(st.open.values())) {
        if (file.mustEndAt >= 0) {
          continue;
        }
        RotationPolicy.Reason reason = rotation.decide(file.spill.records(), file.spill.dataSize(),
            file.openedAtMillis, file.destination.hourEndMillis(), now, watermark);
        if (reason != null) {
          close(st, file, reason);
        }
      }
    }
  }

  /** Graceful shutdown: closes every file, so that it is uploaded. */
  void closeAllForShutdown() throws IOException {
    for (PartitionState st : states.values()) {
      for (OpenFile file : List.copyOf(st.open.values())) {
        // A file held to a previous owner's receipt stays open (holding the commit) and is
        // dropped: under another end its name would overlap a late upload of that receipt's file.
        if (!file.heldToReceipt()) {
          close(st, file, RotationPolicy.Reason.SHUTDOWN);
        }
      }
    }
  }

  /** Discards the open files of a partition this loop no longer owns. */
  void discard(PartitionState st) {
    for (OpenFile f : st.open.values()) {
      f.spill.discard();
      count--;
    }
  }

  /** Discards every open file (the loop is stopping; their records are re-read). */
  void discardAll() {
    for (PartitionState st : states.values()) {
      st.open.values().forEach(f -> f.spill.discard());
    }
    count = 0;
  }

  private static long sizeOf(Path path) {
    try {
      return Files.size(path);
    } catch (IOException e) {
      return 0;
    }
  }
}
