package dev.millrace.realtime.ops;

import dev.millrace.realtime.consume.LoaderRunner;
import dev.millrace.realtime.privacy.DeadLetterPrivacy;
import java.util.Optional;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Up while the consumer loop runs (templates installed, consuming) and no record is held back;
 * down while one is (Elasticsearch refuses even its minimal dead letter, so the loader commits
 * nothing past it). The details also say what dead letters show of their originals.
 */
public final class LoaderHealthIndicator extends AbstractHealthIndicator {

  private final LoaderRunner runner;
  private final LoaderStatus status;
  private final DeadLetterPrivacy privacy;

  public LoaderHealthIndicator(LoaderRunner runner, LoaderStatus status, DeadLetterPrivacy privacy) {
    this.runner = runner;
    this.status = status;
    this.privacy = privacy;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    builder.withDetail("deadLetterOriginals", privacy.description());
    Optional<LoaderStatus.Blocked> blocked = status.oldestBlocked();
    if (blocked.isPresent()) {
      LoaderStatus.Blocked b = blocked.get();
      builder.down()
          .withDetail("reason", "Elasticsearch refuses even the minimal dead letter of a record;"
              + " nothing after it is committed until it is stored")
          .withDetail("record", b.origin().toString())
          .withDetail("error", b.error())
          .withDetail("since", b.since().toString())
          .withDetail("blockedRecords", status.blockedCount());
    } else if (runner.isReady()) {
      builder.up();
    } else {
      builder.down().withDetail("reason", "installing index templates or stopped");
    }
  }
}
