package dev.millrace.enricher.config;

import dev.millrace.enricher.topology.DeadLetterDeserializationHandler;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** Kafka Streams properties from the enricher's configuration. */
public final class StreamsSettings {

  /** The producer's {@code batch.size} unless {@code millrace.enricher.kafka.producer.batch.size} says otherwise. */
  public static final int PRODUCER_BATCH_BYTES = 256 * 1024;

  private StreamsSettings() {}

  public static Properties of(EnricherProperties p) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, p.applicationId());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, p.bootstrapServers());
    // Outputs, store changelog and input offsets commit in one transaction: see the README.
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, p.streams().numThreads());
    props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, p.streams().standbyReplicas());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, p.streams().commitInterval().toMillis());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, p.streams().replicationFactor());
    if (p.streams().stateDir() != null && !p.streams().stateDir().isBlank()) {
      props.put(StreamsConfig.STATE_DIR_CONFIG, p.streams().stateDir());
    }
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterDeserializationHandler.class.getName());
    props.put(DeadLetterDeserializationHandler.DEAD_LETTER_TOPIC_CONFIG, p.topics().deadLetter());
    // An enriched event is about 1 KiB: at the producer's default of 16 KiB a batch held 14 and a
    // produce request some 35, and the broker spent its time on requests (bench: 64,000 events/s;
    // 80,000 with 256 KiB, no better with 1 MiB). Batches still go out after Streams' linger.ms.
    props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), PRODUCER_BATCH_BYTES);
    props.putAll(p.kafka());
    return props;
  }
}
