package dev.millrace.localstack;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs the local stack until SIGINT/SIGTERM: {@code java -cp ... dev.millrace.localstack.LocalStackMain
 * [kafka] [elasticsearch] [s3] [postgres] [trino]} (kafka, elasticsearch and s3 when none is named).
 * Prints one {@code NAME=value} line per endpoint, then {@code LOCAL_STACK_READY=true}, so a script
 * can {@code eval} or wait on it. Trino brings PostgreSQL and S3 along for its {@code curated}
 * catalog, and gets the {@code realtime} catalog when {@code elasticsearch} is named too.
 */
public final class LocalStackMain {

  static final List<String> ALL = List.of("kafka", "elasticsearch", "s3", "postgres", "trino");
  /** What starts when no server is named: what the pipeline itself needs. */
  static final List<String> DEFAULT = List.of("kafka", "elasticsearch", "s3");

  public static void main(String[] args) throws Exception {
    Set<String> names = parse(args);
    // Named together, Trino also gets the realtime catalog on that Elasticsearch.
    boolean realtime = names.contains("elasticsearch");
    // Started in parallel, one thread each (the common pool has one thread on two cores):
    // Elasticsearch and Trino take most of the wait.
    ExecutorService threads = Executors.newFixedThreadPool(names.size());
    List<CompletableFuture<List<String>>> starts = new ArrayList<>();
    for (String name : names) {
      starts.add(CompletableFuture.supplyAsync(() -> start(name, realtime), threads));
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
    threads.shutdown();
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
    return names.isEmpty() ? new LinkedHashSet<>(DEFAULT) : names;
  }

  /** Starts one server and returns its environment lines. */
  static List<String> start(String name, boolean realtime) {
    return switch (name) {
      case "kafka" -> List.of("KAFKA_BOOTSTRAP_SERVERS=" + LocalStack.kafka().bootstrapServers());
      case "elasticsearch" -> List.of("ELASTICSEARCH_URL=" + LocalStack.elasticsearch().url());
      case "s3" -> {
        S3Server s3 = LocalStack.s3();
        yield List.of("S3_ENDPOINT=" + s3.endpoint(), "S3_ACCESS_KEY=" + s3.accessKey(),
            "S3_SECRET_KEY=" + s3.secretKey(), "S3_REGION=" + s3.region());
      }
      case "postgres" -> {
        PostgresServer postgres = LocalStack.postgres();
        yield List.of("POSTGRES_JDBC_URL=" + postgres.jdbcUrl("postgres"), "POSTGRES_USER=" + postgres.user(),
            "POSTGRES_PASSWORD=" + postgres.password());
      }
      case "trino" -> {
        TrinoServer trino = realtime ? LocalStack.trinoWithRealtime() : LocalStack.trino();
        yield List.of("TRINO_URL=" + trino.url(), "TRINO_JDBC_URL=" + trino.jdbcUrl());
      }
      default -> throw new IllegalArgumentException(name);
    };
  }

  private LocalStackMain() {}
}
