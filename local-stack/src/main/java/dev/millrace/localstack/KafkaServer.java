package dev.millrace.localstack;

/**
 * A single Kafka broker in KRaft combined mode (broker + controller), reachable on 127.0.0.1.
 * Internal topics (consumer offsets, transaction state) have replication factor 1 and min ISR 1,
 * so transactions and consumer groups work on one broker.
 *
 * <p>{@link #stop()} is graceful, {@link #kill()} is SIGKILL; both keep the data and the port, so
 * {@link #start()} brings the same broker back at the same {@link #bootstrapServers()}.
 */
public interface KafkaServer {

  /** {@code host:port} for {@code bootstrap.servers}. */
  String bootstrapServers();

  /** Creates the topics (replication factor 1) unless they exist, and waits until they are visible. */
  void createTopics(int partitions, String... names);

  void stop();

  void kill();

  void start();

  boolean isRunning();
}
