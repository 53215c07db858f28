package dev.millrace.collector.sink;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Readiness follows the broker: a collector that cannot write to Kafka should get no traffic. */
public final class KafkaHealthIndicator implements HealthIndicator {

  private final KafkaProbe probe;

  public KafkaHealthIndicator(KafkaProbe probe) {
    this.probe = probe;
  }

  @Override
  public Health health() {
    return probe.state() == KafkaProbe.State.UP
        ? Health.up().build()
        : Health.down().withDetail("kafka", probe.state().name()).build();
  }
}
