package dev.millrace.batch.consume;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicLong;

/** The loader's meters; names are listed in the README. */
public final class LoaderMetrics {

  final Counter rows;
  final Counter rowsUploaded;
  final Counter skipped;
  final Counter deadLetters;
  final Counter deadLetterFailures;
  final Counter files;
  final Counter bytes;
  final Counter uploadFailures;
  final Counter markers;
  final Timer uploadLatency;
  final AtomicLong openFiles = new AtomicLong();
  final AtomicLong pendingUploads = new AtomicLong();
  final AtomicLong lag = new AtomicLong();
  final AtomicLong watermarkMillis = new AtomicLong();
  final AtomicLong stoppedPartitions = new AtomicLong();

  public LoaderMetrics(MeterRegistry registry) {
    rows = Counter.builder("millrace.batch.rows")
        .description("Records written to open Parquet files (again after a rebalance moved their partition)")
        .register(registry);
    rowsUploaded = Counter.builder("millrace.batch.rows.uploaded")
        .description("Records in Parquet files uploaded to the store (each record once)")
        .register(registry);
    skipped = Counter.builder("millrace.batch.rows.skipped")
        .description("Records dropped because the store already had them (after a restart)")
        .register(registry);
    deadLetters = Counter.builder("millrace.batch.dead.letters")
        .description("Records that are not an EnrichedEvent, sent to the dead-letter topic")
        .register(registry);
    deadLetterFailures = Counter.builder("millrace.batch.dead.letter.failures")
        .description("Dead letters the topic did not acknowledge: retriable ones are sent again,"
            + " a refused one stops its partition")
        .register(registry);
    files = Counter.builder("millrace.batch.files").description("Parquet files uploaded")
        .register(registry);
    bytes = Counter.builder("millrace.batch.bytes").baseUnit("bytes")
        .description("Bytes of Parquet uploaded").register(registry);
    uploadFailures = Counter.builder("millrace.batch.upload.failures")
        .description("Failed calls to the object store (retried)").register(registry);
    markers = Counter.builder("millrace.batch.markers").description("Completeness markers written")
        .register(registry);
    uploadLatency = Timer.builder("millrace.batch.upload.latency")
        .description("Time to upload one file (receipt and data)").publishPercentileHistogram()
        .register(registry);
    Gauge.builder("millrace.batch.open.files", openFiles, AtomicLong::get)
        .description("Files open for writing").register(registry);
    Gauge.builder("millrace.batch.pending.uploads", pendingUploads, AtomicLong::get)
        .description("Closed files waiting for upload").register(registry);
    Gauge.builder("millrace.batch.lag", lag, AtomicLong::get)
        .description("Records behind the end of the assigned partitions").register(registry);
    Gauge.builder("millrace.batch.watermark", watermarkMillis, AtomicLong::get).baseUnit("milliseconds")
        .description("Lowest watermark over the assigned partitions, epoch millis").register(registry);
    Gauge.builder("millrace.batch.stopped.partitions", stoppedPartitions, AtomicLong::get)
        .description("Partitions stopped on a dead letter their topic refused (health is DOWN)")
        .register(registry);
  }
}
