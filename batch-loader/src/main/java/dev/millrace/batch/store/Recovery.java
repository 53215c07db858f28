package dev.millrace.batch.store;

import dev.millrace.batch.partition.Destination;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 */
public final class Recovery {

  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  private Recovery() {}

  /** Offset ranges already in the store, by destination. */
  public static final class Covered {
    private final Map<Destination, List<long[]>> ranges = new HashMap<>();
    private final List<Map.Entry<Long, String>> receipts = new ArrayList<>();
    private long maxLast = -1;

    public void add(Destination destination, long first, long last, String receiptKey) {
      ranges.computeIfAbsent(destination, d -> new ArrayList<>()).add(new long[] {first, last});
      receipts.add(Map.entry(last, receiptKey));
      maxLast = Math.max(maxLast, last);
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
   * Reads the receipts of {@code topic}/{@code partition} and returns the ranges whose data exists.
   * Receipts wholly below {@code committedOffset} are garbage (their records are committed) and are
   * deleted, as are receipts whose upload never completed.
   */
  public static Covered recover(ObjectStore store, ObjectNames names, String topic, int partition,
                                long committedOffset) throws IOException {
    Covered covered = new Covered();
    for (String receipt : store.list(names.receiptDirectory(topic, partition))) {
      long[] range = ObjectNames.parseReceipt(receipt);
      if (range == null) {
        continue;
      }
      if (range[1] < committedOffset) {
        store.delete(receipt);
        continue;
      }
      Optional<byte[]> content = store.get(receipt);
      if (content.isEmpty()) {
        continue;
      }
      String dataKey = new String(content.get(), StandardCharsets.UTF_8);
      Destination destination = Destination.parse(dataKey);
      if (destination == null) {
        log.warn("receipt {} names no data file ({}); ignored", receipt, dataKey);
        continue;
      }
      if (store.exists(dataKey)) {
        covered.add(destination, range[0], range[1], receipt);
      } else {
        // The loader stopped between the receipt and the upload: those records were never stored.
        store.delete(receipt);
      }
    }
    return covered;
  }
}
