package dev.millrace.localstack;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local stack until SIGINT/SIGTERM: {@code java -cp ... dev.millrace.localstack.LocalStackMain
 * [kafka] [elasticsearch] [s3]} (all three when none is named). Prints one {@code NAME=value} line per
 * endpoint, then {@code LOCAL_STACK_READY=true}, so a script can {@code eval} or wait on it.
 */
public final class LocalStackMain {

  static final List<String> ALL = List.of("kafka", "elasticsearch", "s3");

  public static void main(String[] args) throws Exception {
    Set<String> names = parse(args);
    // Started in parallel: Elasticsearch alone takes most of the wait.
    List<CompletableFuture<List<String>>> starts = new ArrayList<>();
    for (String name : names) {
      starts.add(CompletableFuture.supplyAsync(() -> start(name)));
    }
    try {
      for (CompletableFuture<List<String>> start : starts) {
        start.join().forEach(System.out::println);
      }
    } catch (RuntimeException e) {
      System.err.println("local stack failed to start: " + e.getMessage());
      LocalStack.shutdown();
      System.exit(1);
    }
    for (String name : names) {
      System.err.printf(Locale.ROOT, "%s started in %.1f s%n", name,
          LocalStack.lastStartup(name).toMillis() / 1000.0);
    }
    System.out.println("LOCAL_STACK_READY=true");
    System.out.flush();
    // LocalStack's shutdown hook stops the servers and deletes their files on SIGINT/SIGTERM.
    new CountDownLatch(1).await();
  }

  static Set<String> parse(String... args) {
    Set<String> names = new LinkedHashSet<>();
    for (String arg : args) {
      String name = arg.toLowerCase(Locale.ROOT);
      if (!ALL.contains(name)) {
        throw new IllegalArgumentException("unknown server " + arg + "; expected any of " + ALL);
      }
      names.add(name);
    }
    return names.isEmpty() ? new LinkedHashSet<>(ALL) : names;
  }

  /** Starts one server and returns its environment lines. */
  static List<String> start(String name) {
    return switch (name) {
      case "kafka" -> List.of("KAFKA_BOOTSTRAP_SERVERS=" + LocalStack.kafka().bootstrapServers());
      case "elasticsearch" -> List.of("ELASTICSEARCH_URL=" + LocalStack.elasticsearch().url());
      case "s3" -> {
        S3Server s3 = LocalStack.s3();
        yield List.of("S3_ENDPOINT=" + s3.endpoint(), "S3_ACCESS_KEY=" + s3.accessKey(),
            "S3_SECRET_KEY=" + s3.secretKey(), "S3_REGION=" + s3.region());
      }
      default -> throw new IllegalArgumentException(name);
    };
  }

  private LocalStackMain() {}
}
