package dev.millrace.batch.consume;

import java.util.Collection;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * One loop's share of the instance-wide gauges: several loops add to the same ones, so each moves
 * them by the difference from what it reported last, and takes its share back (to zero) when it
 * ends.
 */
final class GaugeShare {

  private final LoaderMetrics metrics;
  private long openFiles;
  private long pendingUploads;
  private long lag;
  private long stopped;

  GaugeShare(LoaderMetrics metrics) {
    this.metrics = metrics;
  }

  /** Reports the loop's open files, pending uploads, and its partitions' lag and stopped count. */
  void update(Consumer<?, ?> consumer, Collection<PartitionState> states, long open,
              long pending) {
    long lag = 0;
    long stopped = 0;
    for (PartitionState st : states) {
      OptionalLong l = consumer.currentLag(st.partition);
      lag += l.orElse(0);
      stopped += st.stopped == null ? 0 : 1;
    }
    report(open, pending, lag, stopped);
  }

  /** Moves this loop's share of the instance-wide gauges to the given values. */
  void report(long open, long pending, long lag, long stopped) {
    metrics.openFiles.addAndGet(open - openFiles);
    metrics.pendingUploads.addAndGet(pending - pendingUploads);
    metrics.lag.addAndGet(lag - this.lag);
    metrics.stoppedPartitions.addAndGet(stopped - this.stopped);
    openFiles = open;
    pendingUploads = pending;
    this.lag = lag;
    this.stopped = stopped;
  }
}
