package dev.millrace.batch.partition;

import java.time.Duration;

/**
 * Decides when an open file is closed and uploaded. Checked on every record and after every poll,
 * so a file whose partition went quiet is still closed on time: the time rule does not wait for a
 * new record (the failing of S3 sinks whose rotation only runs when a record arrives).
 */
public final class RotationPolicy {

  /** Why a file was closed; a metric tag and a log word. */
  public enum Reason {
    RECORDS, BYTES, INTERVAL, HOUR_COMPLETE, OPEN_FILE_CAP, SHUTDOWN,
    /** The file reached the last offset of the previous owner's receipt for the same range. */
    RECEIPT
  }

  private final long maxRecords;
  private final long maxBytes;
  private final long intervalMillis;
  private final long graceMillis;

  public RotationPolicy(long maxRecords, long maxBytes, Duration interval, Duration grace) {
    this.maxRecords = maxRecords;
    this.maxBytes = maxBytes;
    this.intervalMillis = interval.toMillis();
    this.graceMillis = grace.toMillis();
  }

  /**
   * @param records records in the file
   * @param bytes the file's encoded size so far (including buffered row group)
   * @param openedAtMillis wall-clock time the file was opened
   * @param hourEndMillis end of the hour the file holds
   * @param nowMillis wall clock now
   * @param watermarkMillis the partition's watermark, or {@link Long#MIN_VALUE} when none yet
   * @return why the file must close now, or null to keep it open
   */
  public Reason decide(long records, long bytes, long openedAtMillis, long hourEndMillis,
                       long nowMillis, long watermarkMillis) {
    if (records >= maxRecords) {
      return Reason.RECORDS;
    }
    if (bytes >= maxBytes) {
      return Reason.BYTES;
    }
    if (nowMillis - openedAtMillis >= intervalMillis) {
      return Reason.INTERVAL;
    }
    // Once the hour is complete its marker waits for this file: don't make it wait an interval.
    if (watermarkMillis != Long.MIN_VALUE && watermarkMillis >= hourEndMillis + graceMillis) {
      return Reason.HOUR_COMPLETE;
    }
    return null;
  }
}
