package dev.millrace.enricher.ops;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Ready only while Kafka Streams is RUNNING: not while it starts, restores the pending store or
 * rebalances, and never after it has failed: then DOWN, with the failure that stopped it in the
 * details ({@link StreamThreadFailures}). Part of the readiness group (application.yml).
 */
public final class StreamsHealthIndicator implements HealthIndicator {

  private final EnricherStreams streams;

  public StreamsHealthIndicator(EnricherStreams streams) {
    this.streams = streams;
  }

  @Override
  public Health health() {
    KafkaStreams.State state = streams.state();
    Status status = switch (state) {
      case RUNNING -> Status.UP;
      case CREATED, REBALANCING, PENDING_SHUTDOWN -> Status.OUT_OF_SERVICE;
      case NOT_RUNNING, PENDING_ERROR, ERROR -> Status.DOWN;
    };
    Health.Builder health = Health.status(status).withDetail("state", state.name());
    Throwable fatal = streams.failures().fatal();
    if (fatal != null && status == Status.DOWN) {
      health.withDetail("failure", StreamThreadFailures.describe(fatal));
    }
    return health.build();
  }
}
