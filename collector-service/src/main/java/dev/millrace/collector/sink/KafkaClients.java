package dev.millrace.collector.sink;

import dev.millrace.collector.config.CollectorProperties;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The one place Kafka clients are configured and created. */
public final class KafkaClients {

  private KafkaClients() {}

  /**
   * Our producer defaults, then {@code millrace.collector.kafka.*} on top (acks and idempotence
   * cannot be weakened: the config check refuses it).
   *
   * <ul>
   *   <li>{@code acks=all} + idempotence: a 2xx promises the event survives a broker failure, and
   *       producer retries do not duplicate it.
   *   <li>lz4 + {@code linger.ms=5} + 256 KiB batches: JSON-ish payloads compress well and the
   *       collector's many concurrent requests fill batches quickly.
   *   <li>{@code max.block.ms=2000}: send() must not hold a request thread long when metadata is
   *       missing; the probe answers later requests with a fast 503 anyway.
   *   <li>{@code delivery.timeout.ms=15000}: a request waits at most this long for its acks before
   *       it is answered 503, well under the usual 30 s client timeouts.
   * </ul>
   */
  public static Map<String, Object> producerConfig(CollectorProperties props) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
    // The semaphore bounds what we hand the producer; its own buffer must hold at least that.
    config.put(ProducerConfig.BUFFER_MEMORY_CONFIG,
        Long.toString(Math.max(32L << 20, props.maxInFlightBytes().toBytes() + (16L << 20))));
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "millrace-collector-" + props.instanceId());
    config.putAll(props.kafka());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return config;
  }

  /** The connection and security settings of the same map, for the probe's admin client. */
  public static Map<String, Object> adminConfig(CollectorProperties props) {
    Map<String, Object> config = new HashMap<>();
    props.kafka().forEach((k, v) -> {
      if (AdminClientConfig.configNames().contains(k)) {
        config.put(k, v);
      }
    });
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "millrace-collector-probe-" + props.instanceId());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
        (int) Math.max(1000, props.kafkaProbeInterval().toMillis()));
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
        (int) Math.max(1000, props.kafkaProbeInterval().toMillis()));
    return config;
  }

  public static Producer<String, byte[]> producer(CollectorProperties props) {
    return new KafkaProducer<>(producerConfig(props));
  }

  public static Admin admin(CollectorProperties props) {
    return Admin.create(adminConfig(props));
  }
}
