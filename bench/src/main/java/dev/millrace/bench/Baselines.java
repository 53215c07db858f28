package dev.millrace.bench;

/** Row names of the raw baselines, measured first in every run; stages compare to these. */
public final class Baselines {

  /** Kafka producer, acks=all, idempotent, ~1 KB records. */
  public static final String KAFKA_PRODUCER = "kafka producer (acks=all, idempotent, 1 KB)";
  /** Kafka consumer reading the producer's records. */
  public static final String KAFKA_CONSUMER = "kafka consumer (1 KB)";
  /** Elasticsearch _bulk of ~1 KB JSON documents. */
  public static final String ES_BULK = "elasticsearch _bulk (1 KB docs)";
  /** S3 PUT of 16 MiB objects. */
  public static final String S3_PUT = "s3 put (16 MiB objects)";

  private Baselines() {}
}
