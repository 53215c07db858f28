package dev.millrace.batch.support;

import dev.millrace.batch.config.BatchProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.util.unit.DataSize;

/** Configuration for tests, with every default spelled out. */
public final class TestProps {

  public static BatchProperties props(Path spillDir, long maxRecords, Duration interval,
                                      int maxOpenFiles, BatchProperties.MarkerMode markers) {
    return props(spillDir, maxRecords, interval, maxOpenFiles, markers,
        BatchProperties.DEFAULT_TURN_BUDGET);
  }

  /** As above, with the budget of a loop turn's store calls. */
  public static BatchProperties props(Path spillDir, long maxRecords, Duration interval,
                                      int maxOpenFiles, BatchProperties.MarkerMode markers,
                                      Duration turnBudget) {
    return new BatchProperties("enriched", "dlq", Map.of("bootstrap.servers", "unused:9092"),
        new BatchProperties.S3("http://unused", "a", "s", "us-east-1", "b", "events",
            DataSize.ofMegabytes(16), Duration.ofSeconds(30)),
        BatchProperties.PartitionBy.RECEIVED_AT,
        new BatchProperties.Rotation(maxRecords, DataSize.ofMegabytes(128), interval),
        new BatchProperties.Parquet(BatchProperties.Compression.ZSTD, DataSize.ofMegabytes(1), 1),
        maxOpenFiles, 1, spillDir,
        new BatchProperties.Retry(Duration.ofMillis(100), Duration.ofSeconds(2)),
        new BatchProperties.Marker(markers, Duration.ofMinutes(10), Duration.ofMinutes(1),
            Duration.ofSeconds(1)),
        Duration.ofMillis(10), Duration.ofSeconds(5), turnBudget,
        BatchProperties.DEFAULT_DEAD_LETTER_TIMEOUT).validate();
  }

  private TestProps() {}
}
