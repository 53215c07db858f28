package dev.millrace.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Kafka 4 in KRaft combined mode, run as a child JVM ({@code kafka.Kafka server.properties}) from
 * the jars the build resolved, so that tests can stop, kill and restart it with its data.
 */
final class LocalKafka extends ProcessServer implements KafkaServer {

  private final int brokerPort = FreePorts.free();
  private final int controllerPort = FreePorts.free();
  private final Path properties;
  private final Path data;

  LocalKafka(Path folder) {
    super("kafka", folder);
    this.properties = folder.resolve("server.properties");
    this.data = folder.resolve("data");
    try {
      Files.writeString(properties,
          PropertiesFile.render(KafkaConfig.serverProperties(brokerPort, controllerPort, data)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String bootstrapServers() {
    return FreePorts.LOOPBACK + ":" + brokerPort;
  }

  /** Formats the storage once; restarts reuse it, which is what keeps the data. */
  @Override
  protected void prepare() throws Exception {
    if (Files.exists(data.resolve("meta.properties"))) {
      return;
    }
    List<String> format = java("kafka.tools.StorageTool");
    format.addAll(List.of("format", "--cluster-id", Uuid.randomUuid().toString(),
        "--config", properties.toString()));
    ChildProcess formatter = ChildProcess.start(format, Map.of(), folder, log(),
        folder.resolve(RunFolder.PIDS));
    if (!formatter.waitFor(120, TimeUnit.SECONDS)) {
      formatter.kill();
      throw failure("storage format timed out", null);
    }
    if (formatter.exitValue() != 0) {
      throw failure("storage format exited with " + formatter.exitValue(), null);
    }
  }

  @Override
  protected List<String> command() {
    List<String> command = java("kafka.Kafka");
    command.add(properties.toString());
    return command;
  }

  private List<String> java(String mainClass) {
    return new ArrayList<>(Arrays.asList(Distributions.java(), "-Xmx512m", "-Xms128m",
        "-Djava.awt.headless=true",
        "-cp", Distributions.kafkaClasspath(), mainClass));
  }

  @Override
  protected boolean ready() throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(FreePorts.LOOPBACK, brokerPort), 500);
    }
    try (Admin admin = admin(bootstrapServers())) {
      return !admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty();
    }
  }

  @Override
  public void createTopics(int partitions, String... names) {
    createTopics(bootstrapServers(), partitions, names);
  }

  static void createTopics(String bootstrapServers, int partitions, String... names) {
    List<NewTopic> topics = Arrays.stream(names).map(n -> new NewTopic(n, partitions, (short) 1)).toList();
    try (Admin admin = admin(bootstrapServers)) {
      for (var entry : admin.createTopics(topics).values().entrySet()) {
        try {
          entry.getValue().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      // The controller answers before the broker has applied the new metadata: until it has,
      // describing the topic fails with UnknownTopicOrPartition. Wait for it, so callers can use it.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          admin.describeTopics(Arrays.asList(names)).allTopicNames().get(30, TimeUnit.SECONDS);
          break;
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
              || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(50);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalStackException("interrupted while creating topics " + Arrays.toString(names), e);
    } catch (Exception e) {
      throw new LocalStackException("could not create topics " + Arrays.toString(names)
          + " on " + bootstrapServers, e);
    }
  }

  private static Admin admin(String bootstrapServers) {
    Properties config = new Properties();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return Admin.create(config);
  }

  @Override
  protected Duration startTimeout() {
    return Duration.ofSeconds(120);
  }
}
