package dev.millrace.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.localrun.service.ServicePlans;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStack;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-shots that create the topics, run for real against local-stack's Kafka: compose's
 * {@code kafka-init} and the chart's topics Job, each its own script with its own environment.
 * What a container would have is this machine's: {@code kafka-topics.sh} is Kafka's own
 * TopicCommand at the build's Kafka version, and the compose host {@code kafka:9092} the local
 * broker. The topics get a prefix per run, so the pipeline's topics other tests create do not
 * answer for them (which names the scripts create is checked against ServicePlans.TOPICS by
 * ComposeFileTest and HelmChartTest).
 */
class KafkaInitIT {

  static KafkaServer kafka;
  static Path kafkaTopics;

  @BeforeAll
  static void start(@TempDir Path dir) throws IOException {
    kafka = LocalStack.kafka();
    // kafka-run-class.sh's work, done here: TopicCommand on the broker's class path.
    List<String> classpath = new ArrayList<>();
    try (InputStream in = KafkaServer.class.getResourceAsStream("kafka.classpath");
         Stream<Path> tools = Files.list(Path.of(System.getProperty("millrace.kafka.tools")))) {
      assertThat(in).as("local-stack's kafka.classpath").isNotNull();
      classpath.add(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
      tools.forEach(jar -> classpath.add(jar.toString()));
    }
    kafkaTopics = dir.resolve("kafka-topics.sh");
    Files.writeString(kafkaTopics, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
        + "' -Xmx128m -XX:TieredStopAtLevel=1 -cp '" + String.join(":", classpath)
        + "' org.apache.kafka.tools.TopicCommand \"$@\"\n");
    assertThat(kafkaTopics.toFile().setExecutable(true)).isTrue();
  }

  @Test
  void composesKafkaInitCreatesEveryTopicWithItsPartitionsAndSucceedsAgainOnTheNextUp() throws Exception {
    ComposeFile compose = ComposeFile.load();
    Map<String, String> example = ComposeFile.dotenv(ComposeFile.repo().resolve(".env.example"));
    @SuppressWarnings("unchecked")
    String script = ComposeFile.interpolate(((List<String>) compose.service("kafka-init").get("command")).get(0), example);
    Map<String, String> env = compose.environment("kafka-init", example);
    List<String> topics = new ArrayList<>();
    for (String topic : env.get("TOPICS").trim().split("\\s+")) {
      topics.add("compose-it." + topic);
    }
    env.put("TOPICS", String.join(" ", topics));

    for (int up = 1; up <= 2; up++) {
      Result r = run(script.replace("kafka:9092", kafka.bootstrapServers()), env);
      assertThat(r.code).as("up " + up + ": " + r.output).isZero();
    }
    assertThat(describe(topics)).as("partitions of each topic")
        .allSatisfy((topic, d) -> assertThat(d.partitions()).hasSize(Integer.parseInt(env.get("PARTITIONS"))));
  }

  @Test
  void theChartsTopicsJobCreatesEveryTopicWithTheConfiguredPartitions() throws Exception {
    Map<String, Object> values = HelmChart.merge(HelmChartTest.required(), Map.of("kafka", Map.of(
        "bootstrapServers", "kafka.example:9092", "topics", Map.of("partitions", 2, "replicationFactor", 1))));
    List<HasMetadata> objects = HelmChart.render(values);
    Job job = objects.stream().filter(o -> o instanceof Job j && j.getMetadata().getName().contains("-topics-"))
        .map(Job.class::cast).findFirst().orElseThrow();
    Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getCommand()).hasSize(3).startsWith("/bin/bash", "-c");
    String script = container.getCommand().get(2).replace("millrace.", "helm-it.millrace.");
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar v : container.getEnv()) {
      env.put(v.getName(), v.getValue());
    }
    assertThat(env.get("BOOTSTRAP_SERVERS")).isEqualTo("kafka.example:9092");
    env.put("BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.remove("LOG_DIR");

    Result r = run(script, env);
    assertThat(r.code).as(r.output).isZero();
    List<String> topics = ServicePlans.TOPICS.stream().map(t -> "helm-it." + t).toList();
    assertThat(describe(topics)).allSatisfy((topic, d) -> assertThat(d.partitions()).hasSize(2));
  }

  record Result(int code, String output) {}

  private static Result run(String script, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", script.replace("/opt/kafka/bin/kafka-topics.sh",
        kafkaTopics.toString())).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).as(out).isTrue();
    return new Result(p.exitValue(), out);
  }

  private static Map<String, TopicDescription> describe(List<String> topics) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      return admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
    }
  }
}
