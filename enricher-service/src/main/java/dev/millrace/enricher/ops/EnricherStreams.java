package dev.millrace.enricher.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the topology: starts Kafka Streams with the application context and closes it gracefully
 * (commit, leave the group) before the enrichment channel goes away.
 */
public final class EnricherStreams implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(EnricherStreams.class);

  private final Topology topology;
  private final Properties properties;
  private final Duration closeTimeout;
  private final MeterRegistry registry;
  private final StreamThreadFailures failures;
  private volatile KafkaStreams streams;
  private KafkaStreamsMetrics metrics;

  public EnricherStreams(Topology topology, Properties properties, Duration closeTimeout, MeterRegistry registry) {
    this(topology, properties, closeTimeout, registry, new StreamThreadFailures());
  }

  public EnricherStreams(Topology topology, Properties properties, Duration closeTimeout, MeterRegistry registry,
                         StreamThreadFailures failures) {
    this.topology = topology;
    this.properties = properties;
    this.closeTimeout = closeTimeout;
    this.registry = registry;
    this.failures = failures;
  }

  /** The stream threads' uncaught-exception handler. */
  public StreamThreadFailures failures() {
    return failures;
  }

  @Override
  public synchronized void start() {
    KafkaStreams s = new KafkaStreams(topology, properties);
    // Records that make the enricher fail are dead-lettered by the processor; what reaches this
    // handler is not a record's fault. A few threads are replaced (exactly-once aborts the failed
    // thread's transaction and a fresh one resumes from the last commit), then the instance stops
    // with health DOWN instead of replacing threads forever.
    s.setUncaughtExceptionHandler(failures);
    s.setStateListener((now, before) -> log.info("kafka streams {} -> {}", before, now));
    metrics = new KafkaStreamsMetrics(s);
    metrics.bindTo(registry);
    s.start();
    streams = s;
  }

  @Override
  public synchronized void stop() {
    KafkaStreams s = streams;
    if (s == null) {
      return;
    }
    if (!s.close(closeTimeout)) {
      log.warn("kafka streams did not close within {}", closeTimeout);
    }
    metrics.close();
    streams = null;
  }

  @Override
  public boolean isRunning() {
    return streams != null;
  }

  /** Stops before anything it uses (the enrichment channel is a plain bean, closed after). */
  @Override
  public int getPhase() {
    return Integer.MAX_VALUE - 100;
  }

  /** The current state, or NOT_RUNNING when stopped. */
  public KafkaStreams.State state() {
    KafkaStreams s = streams;
    return s == null ? KafkaStreams.State.NOT_RUNNING : s.state();
  }
}
