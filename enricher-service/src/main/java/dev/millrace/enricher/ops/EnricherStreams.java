package dev.millrace.enricher.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
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
  private volatile KafkaStreams streams;
  private KafkaStreamsMetrics metrics;

  public EnricherStreams(Topology topology, Properties properties, Duration closeTimeout, MeterRegistry registry) {
    this.topology = topology;
    this.properties = properties;
    this.closeTimeout = closeTimeout;
    this.registry = registry;
  }

  @Override
  public synchronized void start() {
    KafkaStreams s = new KafkaStreams(topology, properties);
    // An unexpected exception must not stop the enricher: exactly-once aborts the thread's open
    // transaction, and a fresh thread resumes from the last commit without loss or duplicates.
    s.setUncaughtExceptionHandler(e -> {
      log.error("stream thread failed; replacing it", e);
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    });
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
