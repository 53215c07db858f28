package dev.millrace.realtime.ops;

import dev.millrace.realtime.consume.LoaderRunner;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** Up while the consumer loop runs (templates installed, consuming). */
public final class LoaderHealthIndicator extends AbstractHealthIndicator {

  private final LoaderRunner runner;

  public LoaderHealthIndicator(LoaderRunner runner) {
    this.runner = runner;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    if (runner.isReady()) {
      builder.up();
    } else {
      builder.down().withDetail("reason", "installing index templates or stopped");
    }
  }
}
