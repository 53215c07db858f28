package dev.millrace.bench.baseline;

import dev.millrace.bench.BenchContext;
import dev.millrace.bench.Baselines;
import dev.millrace.bench.Benchmark;
import dev.millrace.bench.Result;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Raw Kafka: an idempotent acks=all producer of 1 KB records, then a consumer reading them back.
 * These are the ceilings for the collector (producer) and the enricher and loaders (consumer).
 */
public final class KafkaBaseline implements Benchmark {

  static final int PARTITIONS = 3;
  static final Map<String, Object> PRODUCER = Map.of(
      ProducerConfig.ACKS_CONFIG, "all",
      ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
      ProducerConfig.LINGER_MS_CONFIG, 5,
      ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024,
      ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");

  @Override
  public int order() {
    return 10;
  }

  @Override
  public String name() {
    return "kafka";
  }

  @Override
  public List<Result> run(BenchContext context) throws Exception {
    KafkaServer kafka = LocalStack.kafka();
    String topic = "bench-baseline-" + UUID.randomUUID();
    kafka.createTopics(PARTITIONS, topic);
    int warmup = context.scaled(20_000);
    int count = context.scaled(200_000);
    Payloads payloads = new Payloads(1);
    // Every record is distinct but pre-built, so the measurement is the client and broker only.
    byte[][] values = new byte[1024][];
    for (int i = 0; i < values.length; i++) {
      values[i] = payloads.record();
    }

    Result produced;
    int[] warmed = {0};
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(kafka),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      // Warm-up as the collector rows do: until the JIT is quiet, so neither side of a ratio is
      // measured against a compiling JVM.
      BenchContext.warmUp(Duration.ofSeconds(20), Duration.ofSeconds(40), () -> {
        send(producer, topic, values, warmup, new Latencies(warmup));
        warmed[0] += warmup;
      });
      Latencies latencies = new Latencies(count);
      long began = System.nanoTime();
      long bytes = send(producer, topic, values, count, latencies);
      double seconds = (System.nanoTime() - began) / 1e9;
      produced = Result.throughput(Baselines.KAFKA_PRODUCER, count, "records", seconds, bytes)
          .withLatency(latencies.percentileMillis(50), latencies.percentileMillis(99))
          .withNote(PARTITIONS + " partitions, linger 5 ms, batch 64 KB, no compression; broker up in "
              + seconds(LocalStack.lastStartup("kafka")));
    }

    Result consumed = consume(kafka, topic, warmed[0] + count, count);
    return List.of(produced, consumed);
  }

  private static Map<String, Object> producerConfig(KafkaServer kafka) {
    Map<String, Object> config = new java.util.HashMap<>(PRODUCER);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    return config;
  }

  /** Sends {@code count} records and waits for every ack; returns key + value bytes sent. */
  private static long send(KafkaProducer<byte[], byte[]> producer, String topic, byte[][] values,
                           int count, Latencies latencies) throws Exception {
    AtomicReference<Exception> failure = new AtomicReference<>();
    long bytes = 0;
    for (int i = 0; i < count; i++) {
      byte[] key = Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] value = values[i % values.length];
      bytes += key.length + value.length;
      long sent = System.nanoTime();
      producer.send(new ProducerRecord<>(topic, key, value), (metadata, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
        latencies.add(System.nanoTime() - sent);
      });
    }
    producer.flush();
    if (failure.get() != null) {
      throw new IllegalStateException("producer failed", failure.get());
    }
    return bytes;
  }

  /**
   * Reads the whole topic with a fresh group; the first {@code total - measured} records warm the
   * consumer up, the clock runs over the last {@code measured}.
   */
  private static Result consume(KafkaServer kafka, String topic, int total, int measured) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      int seen = 0;
      long bytes = 0;
      long began = 0;
      int warmup = total - measured;
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (seen < total) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("consumer read " + seen + " of " + total + " records in 5 min");
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (seen == warmup) {
            began = System.nanoTime();
          }
          if (seen >= warmup) {
            bytes += record.serializedKeySize() + record.serializedValueSize();
          }
          seen++;
        }
      }
      double seconds = (System.nanoTime() - began) / 1e9;
      return Result.throughput(Baselines.KAFKA_CONSUMER, measured, "records", seconds, bytes)
          .withNote("one consumer, " + PARTITIONS + " partitions, max.poll.records 2000");
    }
  }

  static String seconds(Duration duration) {
    return String.format(java.util.Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}
