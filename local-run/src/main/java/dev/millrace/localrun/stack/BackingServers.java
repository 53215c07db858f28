package dev.millrace.localrun.stack;

import dev.millrace.localrun.LaunchException;
import dev.millrace.localstack.ElasticsearchServer;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.S3Server;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Kafka, Elasticsearch and S3 from {@code local-stack}: child processes of this JVM on free ports,
 * stopped and their files deleted when this JVM exits (LocalStack's own shutdown hook).
 */
public final class BackingServers {

  private BackingServers() {}

  /** Starts the three servers in parallel (Elasticsearch takes longest), then the topics and the bucket. */
  public static ServerEndpoints start(int partitions, List<String> topics, String bucket) {
    CompletableFuture<KafkaServer> kafka = CompletableFuture.supplyAsync(LocalStack::kafka);
    CompletableFuture<ElasticsearchServer> elasticsearch = CompletableFuture.supplyAsync(LocalStack::elasticsearch);
    CompletableFuture<S3Server> s3 = CompletableFuture.supplyAsync(LocalStack::s3);
    try {
      KafkaServer k = kafka.join();
      k.createTopics(partitions, topics.toArray(String[]::new));
      S3Server s = s3.join();
      s.createBucket(bucket);
      ElasticsearchServer e = elasticsearch.join();
      return new ServerEndpoints(k.bootstrapServers(), e.url(), s.endpoint(), s.accessKey(), s.secretKey(), s.region());
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new LaunchException("the local stack (Kafka, Elasticsearch, S3) did not start: " + cause.getMessage(), cause);
    }
  }

  /** Kills {@code process} with the servers if this JVM dies hard (see local-stack's watchdog). */
  public static void adopt(String name, ProcessHandle process) {
    LocalStack.adopt(name, process);
  }

  /** Stops the servers and deletes their files now (also done at JVM exit). */
  public static void stop() {
    LocalStack.shutdown();
  }
}
