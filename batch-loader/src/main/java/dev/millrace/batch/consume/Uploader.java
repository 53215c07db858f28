package dev.millrace.batch.consume;

import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.store.ObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts closed files in the store, in the order they were closed, one store call at a time: first
 * the file's receipt (how recovery finds it without listing the table), then its data, in one
 * request or as a multipart upload part by part, so a large file on a slow store spans several
 * turns. A file leaves its partition's pending files only once its data object is complete; the
 * {@link OffsetCommitter} then commits past it.
 */
final class Uploader {

  private static final Logger log = LoggerFactory.getLogger(Uploader.class);

  private final ObjectStore store;
  private final ObjectNames names;
  private final StoreHealth health;
  private final LoaderMetrics metrics;
  private final FaultInjection faults;
  private final Map<TopicPartition, PartitionState> states;
  /** Closed files in the order they were closed; uploaded in that order. */
  private final Deque<OpenFile> queue = new ArrayDeque<>();
  /**
   * Multipart uploads this loop gave up (partition revoked, completion failed, shutdown): aborted
   * at the next turns so their parts do not linger; aborting only ever touches our own upload id.
   */
  private final Deque<Abandoned> abandoned = new ArrayDeque<>();

  Uploader(ObjectStore store, ObjectNames names, StoreHealth health, LoaderMetrics metrics,
           FaultInjection faults, Map<TopicPartition, PartitionState> states) {
    this.store = store;
    this.names = names;
    this.health = health;
    this.metrics = metrics;
    this.faults = faults;
    this.states = states;
  }

  /** A file just closed, to upload after those closed before it. */
  void add(OpenFile closed) {
    queue.addLast(closed);
  }

  /** Closed files waiting for upload. */
  int size() {
    return queue.size();
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /**
   * Uploads closed files in order, one store call at a time, until the turn is over; stops at the
   * first failure and backs off. Files go up strictly one after another, so at most one of a
   * partition's files has a receipt without its data at any time (what recovery relies on).
   */
  void upload() {
    while (!queue.isEmpty() && health.callAllowed()) {
      OpenFile file = queue.peekFirst();
      String dataKey = names.dataKey(file.destination, file.dataFile());
      String receiptKey = names.receiptKey(file.partition.topic(), file.partition.partition(),
          file.firstOffset, file.lastOffset);
      boolean done;
      try {
        done = step(file, dataKey, receiptKey);
      } catch (IOException e) {
        health.failed("upload of " + dataKey + " (" + file.partition + " [" + file.firstOffset
            + ".." + file.lastOffset + "])", e);
        return;
      }
      health.succeeded();
      if (done) {
        uploaded(file, dataKey, receiptKey);
      }
    }
  }

  /** One store call towards the file's upload; true once its data object is complete. */
  private boolean step(OpenFile file, String dataKey, String receiptKey) throws IOException {
    if (file.uploadStartedNanos == 0) {
      file.uploadStartedNanos = System.nanoTime();
    }
    if (!file.receiptWritten) {
      // The receipt goes first: it is how recovery finds this file without listing the table,
      // and it only counts once the data object exists.
      store.put(receiptKey, dataKey.getBytes(StandardCharsets.UTF_8));
      file.receiptWritten = true;
      return false;
    }
    long partSize = store.partSize();
    if (file.size <= partSize) {
      store.upload(dataKey, file.spill.path());
      return true;
    }
    if (file.uploadId == null) {
      file.uploadId = store.startMultipart(dataKey);
      return false;
    }
    long offset = file.parts.size() * partSize;
    if (offset < file.size) {
      // A failed part is simply sent again under the same number, which replaces it.
      file.parts.add(store.uploadPart(dataKey, file.uploadId, file.parts.size() + 1,
          file.spill.path(), offset, Math.min(partSize, file.size - offset)));
      return false;
    }
    try {
      store.completeMultipart(dataKey, file.uploadId, List.copyOf(file.parts));
    } catch (IOException e) {
      // Whether the store made the object is unknown, and a completion sent again may be refused
      // once it has: start over (same key, same bytes) and abort this upload if it is still open.
      abandoned.add(new Abandoned(dataKey, file.uploadId));
      file.uploadId = null;
      file.parts.clear();
      throw e;
    }
    return true;
  }

  /** The file's records are in the store: it no longer holds its partition's commit. */
  private void uploaded(OpenFile file, String dataKey, String receiptKey) {
    metrics.uploadLatency.record(Duration.ofNanos(System.nanoTime() - file.uploadStartedNanos));
    metrics.files.increment();
    metrics.rowsUploaded.increment(file.spill.records());
    metrics.bytes.increment(file.size);
    faults.afterUpload(dataKey);
    queue.pollFirst();
    file.spill.discard();
    PartitionState st = states.get(file.partition);
    if (st != null) {
      st.pending.remove(file);
      st.receipts.add(Map.entry(file.lastOffset, receiptKey));
    }
    log.info("uploaded {} ({} records, {} bytes, {} offsets {}..{})", dataKey,
        file.spill.records(), file.size, file.partition, file.firstOffset, file.lastOffset);
  }

  /** Aborts the multipart uploads given up on; one try each (the store's lifecycle rule is the backstop). */
  void abortAbandoned() {
    while (!abandoned.isEmpty() && health.callAllowed()) {
      Abandoned upload = abandoned.pollFirst();
      try {
        store.abortMultipart(upload.key(), upload.uploadId());
        log.info("aborted the unfinished multipart upload of {}", upload.key());
      } catch (IOException e) {
        log.warn("abort of the multipart upload of {} failed; its parts stay until the bucket's"
            + " rule for incomplete multipart uploads removes them: {}", upload.key(), e.getMessage());
      }
    }
  }

  /**
   * Drops the closed files of a partition this loop no longer owns: the new owner writes them
   * again, and an upload now could race with it. A multipart upload in progress is aborted (at the
   * next turn's store work).
   */
  void drop(PartitionState st) {
    for (OpenFile f : st.pending) {
      queue.remove(f);
      giveUp(f);
      f.spill.discard();
    }
  }

  /** Shutdown ran out of time: the multipart upload in progress, if any, is aborted. */
  void giveUpInFlight() {
    OpenFile head = queue.peekFirst();
    if (head != null) {
      giveUp(head);
    }
  }

  private void giveUp(OpenFile file) {
    if (file.uploadId != null) {
      abandoned.add(new Abandoned(names.dataKey(file.destination, file.dataFile()), file.uploadId));
    }
  }

  /** Discards every closed file (the loop is stopping; their records are re-read). */
  void discardAll() {
    for (OpenFile f : queue) {
      f.spill.discard();
    }
    queue.clear();
  }

  /** A multipart upload given up on, to abort. */
  private record Abandoned(String key, String uploadId) {}
}
