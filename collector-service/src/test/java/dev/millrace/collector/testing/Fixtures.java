package dev.millrace.collector.testing;

import dev.millrace.collector.auth.WriteKeys;
import dev.millrace.collector.config.CollectorProperties;
import dev.millrace.collector.config.PartitionKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.util.unit.DataSize;

/** Configuration and events shared by the unit tests. */
public final class Fixtures {

  public static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  public static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  public static final String WRITE_KEY = "wk_test_secret";
  public static final String WRITE_KEY_ID = "shop-web";

  private Fixtures() {}

  public static CollectorProperties properties() {
    return properties(limits(1000, DataSize.ofKilobytes(64)), List.of("10.0.0.0/8"));
  }

  public static CollectorProperties.Limits limits(int maxBatchEvents, DataSize maxEventBytes) {
    return new CollectorProperties.Limits(DataSize.ofMegabytes(1), maxBatchEvents, 5000, maxEventBytes,
        256, 8, Duration.ofMinutes(10), Duration.ofDays(30));
  }

  public static CollectorProperties properties(CollectorProperties.Limits limits, List<String> proxies) {
    return properties(limits, proxies, DataSize.ofMegabytes(64),
        new CollectorProperties.Grpc(0, DataSize.ofMegabytes(4), Duration.ofSeconds(5), DataSize.ofMegabytes(4)));
  }

  public static CollectorProperties properties(CollectorProperties.Limits limits, List<String> proxies,
                                               DataSize memoryBudget, CollectorProperties.Grpc grpc) {
    return new CollectorProperties("collector-test-1", Map.of(WRITE_KEY_ID, WriteKeys.hash(WRITE_KEY)),
        proxies, PartitionKey.EVENT_ID, DataSize.ofMegabytes(8), memoryBudget, Duration.ofSeconds(2),
        Duration.ofSeconds(2), new CollectorProperties.Topics("raw", "dead"), limits, grpc,
        new CollectorProperties.Segment(DataSize.ofKilobytes(500), DataSize.ofKilobytes(32),
            Map.of("order_completed", "purchase")),
        new CollectorProperties.Snowplow(Map.of("shopweb", WRITE_KEY_ID)),
        new CollectorProperties.Cors(Map.of(WRITE_KEY_ID, List.of("https://shop.example"))),
        Map.of("bootstrap.servers", "localhost:1"));
  }

  /**
   * A small collector for memory tests: bodies and gRPC messages up to {@code maxRequest}, a stream
   * window of {@code window}, and the given budget.
   */
  public static CollectorProperties smallBudget(DataSize maxRequest, DataSize window, DataSize budget) {
    CollectorProperties.Limits limits = new CollectorProperties.Limits(maxRequest, 1000, 1_000_000,
        DataSize.ofKilobytes(16), 256, 8, Duration.ofMinutes(10), Duration.ofDays(30));
    return properties(limits, List.of(), budget,
        new CollectorProperties.Grpc(0, maxRequest, Duration.ofSeconds(5), window));
  }

  /** A valid event's JSON, occurred one minute before {@link #NOW}. */
  public static String event(String eventId) {
    return event(eventId, "{\"sku\":\"A-1\",\"price\":12.50}");
  }

  public static String event(String eventId, String payload) {
    return "{\"event_id\":\"" + eventId + "\",\"event_type\":\"page_view\",\"schema_version\":\"1-0-0\","
        + "\"occurred_at\":\"2026-03-01T11:59:00Z\",\"source\":\"shop-web\","
        + "\"context\":{\"user_agent\":\"Mozilla/5.0\",\"user_id\":\"u-1\",\"locale\":\"en-GB\"},"
        + "\"payload\":" + payload + "}";
  }

  public static String uuid() {
    return UUID.randomUUID().toString();
  }
}
