package dev.millrace.bench.pipeline;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer lag of the pipeline's groups, sampled once a second: for each group, the sum over its
 * partitions of the last stable offset (read_committed end offsets, so an open transaction of the
 * enricher does not count as lag) minus the group's committed offset, from the Kafka admin API.
 * A sample is what a lag alert would see; it includes what a group has read but not yet committed
 * (the enricher commits with its transactions, the loaders once the data is safe).
 */
public final class LagSampler implements AutoCloseable {

  /** Lag of one group over a step: mean and max of its samples, in records. */
  public record Lag(double mean, long max, int samples) {
    static Lag of(List<Long> samples) {
      if (samples.isEmpty()) return new Lag(Double.NaN, -1, 0);
      return new Lag(samples.stream().mapToLong(Long::longValue).average().orElse(Double.NaN),
          samples.stream().mapToLong(Long::longValue).max().orElse(-1), samples.size());
    }
  }

  private final Admin admin;
  private final Map<String, String> topicByGroup;
  private final Map<String, List<Long>> samples = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  /** @param topicByGroup consumer group to the topic it reads, e.g. "millrace-enricher" to the raw topic */
  public LagSampler(String bootstrapServers, Map<String, String> topicByGroup) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "millrace-bench-lag");
    this.admin = Admin.create(props);
    this.topicByGroup = new LinkedHashMap<>(topicByGroup);
    topicByGroup.keySet().forEach(g -> samples.put(g, new CopyOnWriteArrayList<>()));
    this.thread = new Thread(this::loop, "millrace-bench-lag");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void loop() {
    while (running) {
      try {
        sample();
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // A group not yet joined or a slow broker: skip this sample.
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void sample() throws Exception {
    for (Map.Entry<String, String> e : topicByGroup.entrySet()) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(e.getKey())
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(List.of(e.getValue())).allTopicNames().get(10, TimeUnit.SECONDS).get(e.getValue())
          .partitions().forEach(p -> latest.put(new TopicPartition(e.getValue(), p.partition()), OffsetSpec.latest()));
      var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
          .get(10, TimeUnit.SECONDS);
      samples.get(e.getKey()).add(lag(committed, ends.entrySet().stream()
          .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, x -> x.getValue().offset()))));
    }
  }

  /** Σ(end - committed) over the end offsets' partitions; a partition with no commit counts from 0. */
  static long lag(Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, Long> ends) {
    long lag = 0;
    for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      lag += Math.max(0, e.getValue() - (c == null ? 0 : c.offset()));
    }
    return lag;
  }

  /** Starts a new window: the samples so far are dropped. */
  public void reset() {
    samples.values().forEach(List::clear);
  }

  /** Per group, the lag over the window since the last {@link #reset()}. */
  public Map<String, Lag> window() {
    Map<String, Lag> out = new LinkedHashMap<>();
    topicByGroup.keySet().forEach(g -> out.put(g, Lag.of(List.copyOf(samples.get(g)))));
    return out;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    admin.close(Duration.ofSeconds(5));
  }
}
