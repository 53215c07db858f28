package dev.millrace.localrun.watch;

/**
 * How far the pipeline got, stage by stage. Kafka counts are committed records (read_committed);
 * -1 means not known (the store was not reachable).
 *
 * @param raw accepted events on the raw topic
 * @param collectorDeadLetters events the collector refused
 * @param enriched events on the enriched topic
 * @param enricherDeadLetters raw events the enricher dead-lettered
 * @param batchDeadLetters records the batch loader dead-lettered
 * @param indexedEvents enriched events searchable in Elasticsearch
 * @param indexedDeadLetters dead letters searchable in Elasticsearch
 * @param s3Objects Parquet objects in the bucket
 * @param s3Rows rows the batch loader wrote to Parquet files (its metrics)
 * @param s3FilesNotUploaded files the batch loader still has open or waiting for upload; while it is
 *     not 0 some of {@code s3Rows} are not on S3 yet
 */
public record PipelineCounts(long raw, long collectorDeadLetters, long enriched, long enricherDeadLetters,
                             long batchDeadLetters, long indexedEvents, long indexedDeadLetters, long s3Objects,
                             long s3Rows, long s3FilesNotUploaded) {

  /** Everything the collector saw: accepted plus refused. */
  public long collected() {
    return raw + collectorDeadLetters;
  }
}
