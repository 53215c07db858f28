package dev.millrace.batch.config;

import dev.millrace.batch.store.MinioObjectStore;
import dev.millrace.batch.store.ObjectStore;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The one place that builds the loader's Kafka clients and object store from the configuration. */
public final class Clients {

  /** Consumer group when {@code millrace.batch.kafka.group.id} is not set. */
  public static final String DEFAULT_GROUP_ID = "millrace-batch-loader";

  private final BatchProperties props;

  public Clients(BatchProperties props) {
    this.props = props.validate();
  }

  /** The consumer of the loader thread numbered {@code index} (its client id ends with it). */
  public KafkaConsumer<String, byte[]> consumer(int index) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.GROUP_ID_CONFIG, DEFAULT_GROUP_ID);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Only committed enricher output: the enricher writes with transactions.
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "millrace-batch-loader");
    config.putAll(props.kafka());
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, config.get(ConsumerConfig.CLIENT_ID_CONFIG) + "-" + index);
    // Not overridable: the loader commits only what is in the store.
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  public KafkaProducer<String, byte[]> deadLetterProducer() {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "millrace-batch-loader-dlq");
    props.kafka().forEach((k, v) -> {
      if (ProducerConfig.configNames().contains(k)) {
        config.put(k, v);
      }
    });
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  public ObjectStore store() {
    BatchProperties.S3 s3 = props.s3();
    return new MinioObjectStore(s3.endpoint(), s3.region(), s3.accessKey(), s3.secretKey(),
        s3.bucket(), s3.partSize().toBytes(), s3.requestTimeout());
  }
}
