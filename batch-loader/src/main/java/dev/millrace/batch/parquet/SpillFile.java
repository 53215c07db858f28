package dev.millrace.batch.parquet;

import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.config.BatchProperties.Compression;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;

/**
 * A Parquet file being written on local disk before its upload. Going through parquet's
 * {@link LocalOutputFile} and a {@link PlainParquetConfiguration} keeps Hadoop's file systems and
 * configuration out: only a few Hadoop interfaces are linked (from {@code hadoop-client-api}).
 * Memory per open file is bounded by the row group size; full row groups go to disk.
 */
public final class SpillFile implements AutoCloseable {

  private final Path path;
  private final ParquetWriter<EnrichedEventWriteSupport.Row> writer;
  private long records;
  private boolean closed;
  private String topic;
  private Binary topicValue;

  public SpillFile(Path path, BatchProperties.Parquet settings) throws IOException {
    this.path = path;
    Files.createDirectories(path.getParent());
    this.writer = new Builder(new LocalOutputFile(path))
        .withConf(new PlainParquetConfiguration())
        .withCodecFactory(new DirectCodecs(settings.zstdLevel()))
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(settings.compression() == Compression.ZSTD
            ? CompressionCodecName.ZSTD : CompressionCodecName.SNAPPY)
        .withRowGroupSize(settings.rowGroupSize().toBytes())
        .withPageSize(256 * 1024)
        .withDictionaryEncoding(true)
        // Unique per row: a dictionary would only be hashed, grown and then abandoned.
        .withDictionaryEncoding("event_id", false)
        .withDictionaryEncoding("payload_json", false)
        .withDictionaryEncoding("request_id", false)
        .withDictionaryEncoding("kafka_offset", false)
        // Microsecond timestamps rarely repeat either.
        .withDictionaryEncoding("occurred_at", false)
        .withDictionaryEncoding("received_at", false)
        .withDictionaryEncoding("enriched_at", false)
        // Min/max of a JSON document prune nothing, and comparing ~1 KB values costs per row.
        .withStatisticsEnabled("payload_json", false)
        .build();
  }

  /** Appends the record just read into {@code event}, with where it came from. */
  public void write(WireEvent event, String topic, int partition, long offset) throws IOException {
    if (!topic.equals(this.topic)) { // one topic per file in practice: encoded once
      this.topic = topic;
      this.topicValue = Binary.fromString(topic);
    }
    writer.write(new EnrichedEventWriteSupport.Row(event, topicValue, partition, offset));
    records++;
  }

  public long records() {
    return records;
  }

  /** Encoded size so far: bytes on disk plus the buffered row group. */
  public long dataSize() {
    return writer.getDataSize();
  }

  public Path path() {
    return path;
  }

  /** Finishes the file (footer) so it can be uploaded. */
  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      writer.close();
    }
  }

  /** Closes and removes the local file; for files that will not be uploaded. */
  public void discard() {
    try {
      close();
    } catch (IOException | RuntimeException e) {
      // The file is deleted below; a failing footer write does not matter.
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // A leftover spill file is removed at the next start (the spill directory is cleared).
    }
  }

  private static final class Builder
      extends ParquetWriter.Builder<EnrichedEventWriteSupport.Row, Builder> {
    Builder(LocalOutputFile file) {
      super(file);
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<EnrichedEventWriteSupport.Row> getWriteSupport(
        org.apache.hadoop.conf.Configuration conf) {
      return new EnrichedEventWriteSupport();
    }

    @Override
    protected WriteSupport<EnrichedEventWriteSupport.Row> getWriteSupport(
        ParquetConfiguration conf) {
      return new EnrichedEventWriteSupport();
    }
  }
}
