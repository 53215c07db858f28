package dev.millrace.batch.store;

import dev.millrace.batch.partition.Destination;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Kafka partition already has in the store, read when the partition is assigned.
 *
 * <p>Why offset ranges per destination are enough: every record goes to exactly one destination
 * (its event type and hour, both read from the record), and the loader appends each record of a
 * destination to that destination's open file in offset order. So a file of destination D named
 * {@code [first, last]} holds <em>every</em> record of D between those offsets. After a restart from
 * the committed offset, a record is a duplicate exactly when some uploaded file of its own
 * destination covers its offset.
 *
 * <p>A receipt whose data object is missing is the previous owner's upload that had not finished
 * when the partition moved: it may have died, or it may be a zombie whose upload still lands later.
 * The receipt is kept, and its range handed to the new owner, which closes its own file of that
 * destination exactly at the receipt's last offset. Both then write the same records under the
 * same key, so a late upload overwrites the object with the same rows instead of adding a second
 * object over overlapping offsets.
 */
public final class Recovery {

  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  private Recovery() {}

  /**
   * What the store already holds of the partition past its committed offset: offset ranges by
   * destination, the receipts to delete once committed past, and the previous owner's unfinished
   * uploads.
   */
  public static final class AlreadyStored {
    private final Map<Destination, List<long[]>> ranges = new HashMap<>();
    private final List<Map.Entry<Long, String>> receipts = new ArrayList<>();
    private final Map<Destination, Map<Long, Long>> unfinished = new HashMap<>();
    private long maxLast = -1;

    public void add(Destination destination, long first, long last, String receiptKey) {
      ranges.computeIfAbsent(destination, d -> new ArrayList<>()).add(new long[] {first, last});
      receipts.add(Map.entry(last, receiptKey));
      maxLast = Math.max(maxLast, last);
    }

    /** A receipt {@code [first, last]} of {@code destination} whose data object does not exist. */
    public void addUnfinished(Destination destination, long first, long last) {
      unfinished.computeIfAbsent(destination, d -> new HashMap<>()).put(first, last);
    }

    /**
     * Files the previous owner announced but had not finished uploading: destination to
     * {first offset: last offset}. A file of that destination that opens at such a first offset
     * must end exactly at its last offset.
     */
    public Map<Destination, Map<Long, Long>> unfinished() {
      return unfinished;
    }

    /** {last offset, receipt key} of every covered file, to delete once committed past. */
    public List<Map.Entry<Long, String>> receipts() {
      return receipts;
    }

    /** True when the record at {@code offset} bound for {@code destination} is already stored. */
    public boolean contains(Destination destination, long offset) {
      if (offset > maxLast) {
        return false;
      }
      List<long[]> list = ranges.get(destination);
      if (list == null) {
        return false;
      }
      for (long[] r : list) {
        if (offset >= r[0] && offset <= r[1]) {
          return true;
        }
      }
      return false;
    }

    /** Past this offset nothing is covered, and the ranges can be dropped. */
    public long maxLast() {
      return maxLast;
    }

    public boolean isEmpty() {
      return ranges.isEmpty();
    }

    public int files() {
      return ranges.values().stream().mapToInt(List::size).sum();
    }
  }

  /**
   * Reads the receipts of {@code topic}/{@code partition} and returns the ranges whose data exists,
   * and those whose data does not (yet). Receipts wholly below {@code committedOffset} are garbage
   * (their records are committed) and are deleted.
   */
  public static AlreadyStored recover(ObjectStore store, ObjectNames names, String topic,
                                      int partition, long committedOffset) throws IOException {
    return new InProgress(topic, partition, committedOffset).resume(store, names, () -> false);
  }

  /**
   * A recovery that can stop between two store calls and resume later (at the next loop turn), so
   * a partition with many receipts on a slow store does not keep the loader from polling. A failed
   * call is simply made again on resuming: every step is idempotent.
   */
  public static final class InProgress {
    private final String topic;
    private final int partition;
    private final long committedOffset;
    private final AlreadyStored stored = new AlreadyStored();
    /** The receipts listed, or null before the listing. */
    private List<String> receipts;
    private int next;

    public InProgress(String topic, int partition, long committedOffset) {
      this.topic = topic;
      this.partition = partition;
      this.committedOffset = committedOffset;
    }

    /** The offset the partition is read from again (its committed offset). */
    public long committedOffset() {
      return committedOffset;
    }

    /**
     * Makes store calls until the recovery is done, or until {@code outOfTime} before a call.
     *
     * @return what the store has, or null when out of time first (call again to go on)
     */
    public AlreadyStored resume(ObjectStore store, ObjectNames names, BooleanSupplier outOfTime)
        throws IOException {
      if (receipts == null) {
        if (outOfTime.getAsBoolean()) {
          return null;
        }
        receipts = store.list(names.receiptDirectory(topic, partition));
      }
      for (; next < receipts.size(); next++) {
        if (outOfTime.getAsBoolean()) {
          return null;
        }
        check(store, receipts.get(next));
      }
      return stored;
    }

    private void check(ObjectStore store, String receipt) throws IOException {
      long[] range = ObjectNames.parseReceipt(receipt);
      if (range == null) {
        return;
      }
      if (range[1] < committedOffset) {
        store.delete(receipt);
        return;
      }
      Optional<byte[]> content = store.get(receipt);
      if (content.isEmpty()) {
        return;
      }
      String dataKey = new String(content.get(), StandardCharsets.UTF_8);
      Destination destination = Destination.parse(dataKey);
      if (destination == null) {
        log.warn("receipt {} names no data file ({}); ignored", receipt, dataKey);
        return;
      }
      if (store.exists(dataKey)) {
        stored.add(destination, range[0], range[1], receipt);
      } else {
        // The previous owner stopped between the receipt and the upload, or is still uploading:
        // the records are not stored yet, and whoever stores them uses this very name.
        stored.addUnfinished(destination, range[0], range[1]);
      }
    }
  }
}
