package dev.millrace.enricher.topology;

import dev.millrace.enricher.enrich.OnUnavailable;
import dev.millrace.retry.Backoff;
import java.time.Duration;

/**
 * How the topology batches calls to the enrichment API and rides out its outages.
 *
 * @param batchSize records per call; a call goes out as soon as a task holds this many
 * @param linger the longest a record waits for its batch to fill
 * @param maxPending records a task holds while the API is down before it stops taking more
 * @param maxBlock the longest one record's processing may wait for room (well under the
 *     transaction timeout and max.poll.interval.ms)
 * @param backoff the waits between failed calls, by the failures in a row
 * @param onUnavailable what to do once the API has been unavailable for {@code unavailableBound}
 * @param unavailableBound how long an outage lasts before {@code onUnavailable} applies
 * @param maxRecordBytes the largest output record the producer takes (its {@code max.request.size}):
 *     an enriched event over it is dead-lettered, a dead letter over it has its original cut
 */
public record EnrichOptions(int batchSize, Duration linger, int maxPending, Duration maxBlock,
                            Backoff backoff, OnUnavailable onUnavailable, Duration unavailableBound,
                            int maxRecordBytes) {

  /** Kafka's default {@code max.request.size}. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

  public EnrichOptions(int batchSize, Duration linger, int maxPending, Duration maxBlock, Backoff backoff,
                       OnUnavailable onUnavailable, Duration unavailableBound) {
    this(batchSize, linger, maxPending, maxBlock, backoff, onUnavailable, unavailableBound, DEFAULT_MAX_RECORD_BYTES);
  }
}
