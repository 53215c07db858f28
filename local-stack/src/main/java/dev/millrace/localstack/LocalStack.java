package dev.millrace.localstack;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Real Kafka, Elasticsearch, S3, PostgreSQL and Trino servers for tests, benchmarks and the local
 * run, without Docker.
 *
 * <p>Each server is created at most once per JVM, on first use, on free loopback ports, and is
 * started again if it was stopped or killed. All are stopped and their files deleted by
 * {@link #shutdown()}, which the JUnit {@link LocalStackExtension} calls at the end of the test
 * run and a JVM shutdown hook calls at exit. When the JVM is killed hard, its {@link Watchdog} kills
 * the servers at once; whatever that missed is reaped by the next run (see {@link RunFolder}).
 *
 * <p>With {@code -Dmillrace.infra=containers} and a Docker engine, the same calls start
 * Testcontainers images (apache/kafka, elasticsearch 8.19, minio/minio, postgres) instead; Trino is
 * not offered there.
 */
public final class LocalStack {

  private static final System.Logger LOG = System.getLogger(LocalStack.class.getName());

  /** How the servers are run. */
  public enum ServerLaunch {
    /** Child processes of this JVM, from artifacts Maven fetched (the default; no Docker). */
    PROCESSES,
    /** Testcontainers images; needs a Docker engine. */
    CONTAINERS;

    /** From {@code -Dmillrace.infra}; processes when it is not set. */
    public static ServerLaunch fromSystemProperty() {
      return parse(System.getProperty("millrace.infra"));
    }

    /** {@code processes} or {@code containers}, any case; null means processes. */
    static ServerLaunch parse(String value) {
      if (value == null || value.isBlank()) {
        return PROCESSES;
      }
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("millrace.infra must be processes or containers, not " + value, e);
      }
    }
  }

  private static final Slot<KafkaServer> KAFKA = new Slot<>("kafka",
      run -> run == null ? Containers.kafka() : new LocalKafka(run.serverFolder("kafka")));
  private static final Slot<ElasticsearchServer> ELASTICSEARCH = new Slot<>("elasticsearch",
      run -> run == null ? Containers.elasticsearch() : new LocalElasticsearch(run.serverFolder("elasticsearch")));
  private static final Slot<S3Server> S3 = new Slot<>("s3",
      run -> run == null ? Containers.s3() : new LocalS3(run.serverFolder("s3")));
  private static final Slot<PostgresServer> POSTGRES = new Slot<>("postgres",
      run -> run == null ? Containers.postgres() : new LocalPostgres(run.serverFolder("postgres")));
  // Trino's curated catalog file is written from the same record curatedCatalog() hands to Spark.
  private static final Slot<TrinoServer> TRINO = new Slot<>("trino",
      run -> run == null ? Containers.trino() : new LocalTrino(run.serverFolder("trino"), curatedCatalog()));
  private static final List<Slot<?>> SLOTS = List.of(KAFKA, ELASTICSEARCH, S3, POSTGRES, TRINO);
  /** Elasticsearch connector, created by {@link #trinoWithRealtime()}. */
  static final String REALTIME = "realtime";
  private static final List<Managed> CREATED = new CopyOnWriteArrayList<>();
  // Not LocalStack.class: a slot being created takes that (runFolder) while holding its own lock.
  private static final Object CURATED_LOCK = new Object();
  private static IcebergCatalog curated;
  private static RunFolder run;
  // Its stdin is a pipe from this JVM: kept reachable so that only this JVM's end closes it.
  private static Process watchdog;
  private static boolean hookInstalled;

  /** The Kafka broker, started if it is not running. */
  public static KafkaServer kafka() {
    return KAFKA.get();
  }

  /** The Elasticsearch node, started if it is not running. */
  public static ElasticsearchServer elasticsearch() {
    return ELASTICSEARCH.get();
  }

  /** The S3 store, started if it is not running. */
  public static S3Server s3() {
    return S3.get();
  }

  /** The PostgreSQL server, started if it is not running. */
  public static PostgresServer postgres() {
    return POSTGRES.get();
  }

  /**
   * The {@code curated} Iceberg catalog: JDBC catalog in the PostgreSQL database
   * {@code millrace_catalog}, warehouse {@code s3://millrace-curated/warehouse} on {@link #s3()}.
   * Starts PostgreSQL and S3 if they are not running, and creates the database, the bucket and
   * the catalog's tables unless they exist. Trino's {@code curated} catalog is this same record.
   */
  public static IcebergCatalog curatedCatalog() {
    synchronized (CURATED_LOCK) {
      PostgresServer postgres = postgres();
      S3Server s3 = s3();
      if (curated == null) {
        curated = CuratedCatalog.prepare(postgres, s3);
      }
      return curated;
    }
  }

  /**
   * The Trino node with the {@code curated} catalog, started if it is not running (and with it
   * PostgreSQL and S3, which that catalog reads). Elasticsearch is not started for it.
   */
  public static TrinoServer trino() {
    curatedCatalog();
    return TRINO.get();
  }

  /**
   * {@link #trino()} with a second catalog, {@code realtime}: Trino's Elasticsearch connector on
   * {@link #elasticsearch()}, which is started for it.
   */
  public static TrinoServer trinoWithRealtime() {
    TrinoServer trino = trino();
    ElasticsearchServer elasticsearch = elasticsearch();
    URI url = URI.create(elasticsearch.url());
    trino.createCatalog(REALTIME, "elasticsearch", Map.of(
        "elasticsearch.host", url.getHost(),
        "elasticsearch.port", Integer.toString(url.getPort())));
    return trino;
  }

  /**
   * Puts a process this JVM started beside the servers (e.g. a service of the local run) under the
   * same {@link Watchdog}: if this JVM dies hard, the process is killed with the servers. Call it
   * again after a restart; the newest process of a name replaces the one recorded before. Does
   * nothing in containers mode.
   */
  public static void adopt(String name, ProcessHandle process) {
    RunFolder folder = runFolder();
    if (folder == null) {
      return;
    }
    RunFolder.recordPids(folder.serverFolder("adopted-" + name).resolve(RunFolder.PIDS),
        java.util.stream.Stream.concat(java.util.stream.Stream.of(process), process.descendants()).toList());
  }

  /** How long the named server ("kafka", "elasticsearch", "s3", "postgres", "trino") took to start last time. */
  public static Duration lastStartup(String server) {
    for (Slot<?> slot : SLOTS) {
      if (slot.name.equals(server) && slot.server instanceof Managed managed) {
        return managed.lastStartup();
      }
    }
    return Duration.ZERO;
  }

  /** Stops every server this JVM started and deletes their files. Safe to call more than once. */
  public static void shutdown() {
    for (Managed server : CREATED) {
      try {
        server.close();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "could not stop " + server + ": " + e);
      }
    }
    CREATED.clear();
    for (Slot<?> slot : SLOTS) {
      slot.reset();
    }
    synchronized (CURATED_LOCK) {
      curated = null;
    }
    RunFolder folder;
    synchronized (LocalStack.class) {
      folder = run;
      run = null;
    }
    if (folder != null) {
      folder.delete();
    }
    Process guard;
    synchronized (LocalStack.class) {
      guard = watchdog;
      watchdog = null;
    }
    if (guard != null) {
      guard.destroy();
    }
  }

  /** This JVM's run folder, created (after reaping stale ones) on first use; null in containers mode. */
  private static synchronized RunFolder runFolder() {
    if (!hookInstalled) {
      Runtime.getRuntime().addShutdownHook(new Thread(LocalStack::shutdown, "local-stack-shutdown"));
      hookInstalled = true;
    }
    if (ServerLaunch.fromSystemProperty() == ServerLaunch.CONTAINERS) {
      return null;
    }
    if (run == null) {
      run = RunFolder.create(RunFolder.base());
      watchdog = Watchdog.watch(run.path());
    }
    return run;
  }

  /** One lazily created server; its own lock, so different servers can start in parallel. */
  private static final class Slot<T> {
    private final String name;
    private final Function<RunFolder, T> factory;
    private volatile T server;

    Slot(String name, Function<RunFolder, T> factory) {
      this.name = name;
      this.factory = factory;
    }

    synchronized T get() {
      if (server == null) {
        T created = factory.apply(runFolder());
        CREATED.add((Managed) created);
        server = created;
      }
      Managed managed = (Managed) server;
      if (!managed.isRunning()) {
        managed.start();
      }
      return server;
    }

    void reset() {
      server = null;
    }
  }

  private LocalStack() {}
}
