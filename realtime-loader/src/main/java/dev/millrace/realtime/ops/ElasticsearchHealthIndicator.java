package dev.millrace.realtime.ops;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.HealthStatus;
import co.elastic.clients.elasticsearch.cluster.HealthResponse;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Readiness from {@code GET _cluster/health}: up on green or yellow (a single-node cluster with
 * replicas configured is yellow and takes writes), down on red or when unreachable. {@code GET /}
 * is not used: some builds answer it 405.
 */
public final class ElasticsearchHealthIndicator extends AbstractHealthIndicator {

  private final ElasticsearchClient client;

  public ElasticsearchHealthIndicator(ElasticsearchClient client) {
    super("Elasticsearch health check failed");
    this.client = client;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws Exception {
    HealthResponse health = client.cluster().health();
    builder.withDetail("cluster", health.clusterName())
        .withDetail("status", health.status().jsonValue())
        .withDetail("nodes", health.numberOfNodes());
    if (health.status() == HealthStatus.Red) {
      builder.down();
    } else {
      builder.up();
    }
  }
}
