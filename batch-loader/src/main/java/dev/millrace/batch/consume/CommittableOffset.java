package dev.millrace.batch.consume;

import java.util.stream.LongStream;

/** The committed-offset rule, alone so it can be tested alone. */
public final class CommittableOffset {

  private CommittableOffset() {}

  /**
   * The offset a partition may commit: the first offset whose record is not yet safe in the store.
   * With one open file per destination, the records of a partition are spread over several files;
   * an offset can only be committed once every file holding an earlier record is uploaded, so the
   * answer is the smallest first offset over the partition's open and not-yet-uploaded files, or the
   * next offset to read when there are none. A dead letter not yet acknowledged holds the commit
   * at its record's offset the same way.
   *
   * @param nextOffset the offset after the last record processed (written, skipped or dead-lettered)
   * @param unsafeOffsets first offsets of the partition's open and pending files, and the offsets
   *     of its unacknowledged dead letters
   */
  public static long of(long nextOffset, LongStream unsafeOffsets) {
    return Math.min(nextOffset, unsafeOffsets.min().orElse(Long.MAX_VALUE));
  }
}
