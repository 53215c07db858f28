package dev.millrace.localrun.analytics;

import dev.millrace.localrun.LaunchException;
import dev.millrace.localstack.ElasticsearchRootShim;
import dev.millrace.localstack.IcebergCatalog;
import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.TrinoServer;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentSkipListMap;
import tools.jackson.databind.JsonNode;

/**
 * The analytics half of a local run: PostgreSQL (the Iceberg JDBC catalog) and Trino from
 * {@code local-stack}, and the curation job run for each demo day once the batch loader has marked
 * its 24 hours. Superset is {@link SupersetRun}; Airflow is not started yet (local-run/README.md).
 */
public final class AnalyticsRun implements AutoCloseable {

  /** The curated tables, in the job's build order (curation/README.md, "Tables"). */
  public static final List<String> TABLES = List.of("events", "sessions", "users", "daily_metrics", "funnel_daily");
  /** Trino's catalog over Elasticsearch, which the realtime dashboard reads. */
  public static final String REALTIME_CATALOG = "realtime";

  private final RunEndpoints endpoints;
  private final TrinoQuery trino;
  private final SortedMap<LocalDate, String> days = new ConcurrentSkipListMap<>();
  private volatile Process job;
  private volatile Thread curator;
  private volatile boolean closed;

  private final ElasticsearchRootShim shim;

  private AnalyticsRun(RunEndpoints endpoints, ElasticsearchRootShim shim) {
    this.endpoints = endpoints;
    this.shim = shim;
    this.trino = new TrinoQuery(endpoints.trinoUrl());
  }

  /**
   * Starts PostgreSQL and Trino (S3 is the pipeline's: LocalStack runs one per JVM) and prepares the
   * catalog. Throws a LaunchException saying what is missing (e.g. a JDK ≥ 24 for Trino).
   *
   * @param inputBucket the batch loader's bucket name
   * @param inputPrefix its prefix
   */
  public static AnalyticsRun start(String inputBucket, String inputPrefix) {
    try {
      TrinoServer server = LocalStack.trino();
      // The realtime dashboard's catalog, on the pipeline's Elasticsearch (already running), as
      // analytics/trino/catalog/realtime.properties sets it; through the shim that answers the
      // connector's GET / (local-stack's Elasticsearch build refuses it: see ElasticsearchRootShim).
      ElasticsearchRootShim shim = new ElasticsearchRootShim(LocalStack.elasticsearch().url());
      server.createCatalog(REALTIME_CATALOG, "elasticsearch", Map.of("elasticsearch.host", "127.0.0.1",
          "elasticsearch.port", Integer.toString(shim.port()), "elasticsearch.ignore-publish-address", "true",
          "elasticsearch.default-schema-name", "default"));
      IcebergCatalog c = LocalStack.curatedCatalog();
      return new AnalyticsRun(new RunEndpoints(server.url(), c.name(), c.jdbcUrl(), c.jdbcUser(), c.jdbcPassword(),
          c.warehouse(), c.s3Endpoint(), c.s3Region(), c.s3AccessKey(), c.s3SecretKey(), "s3://" + inputBucket,
          inputPrefix, "millrace"), shim);
    } catch (RuntimeException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new LaunchException("PostgreSQL and Trino did not start: " + message, e);
    }
  }

  public RunEndpoints endpoints() {
    return endpoints;
  }

  /**
   * In the background: every few seconds lists the markers; runs the job for each of {@code demoDays},
   * oldest first, once the day's 24 hours are marked. Each run's output goes to
   * {@code <logs>/curation-<ds>.log}.
   */
  public void curateWhenMarked(SortedSet<LocalDate> demoDays, Path repo, String version, Path logs) {
    demoDays.forEach(d -> days.put(d, "0/24 hours marked"));
    Thread thread = new Thread(() -> {
      try (MinioClient s3 = MinioClient.builder().endpoint(endpoints.s3Endpoint())
          .credentials(endpoints.s3AccessKey(), endpoints.s3SecretKey()).region(endpoints.s3Region()).build()) {
        String bucket = endpoints.inputBucket().substring("s3://".length());
        for (LocalDate day : demoDays) {
          while (!closed) {
            Map<LocalDate, Integer> marked = MarkedDays.hoursMarked(markerKeys(s3, bucket), endpoints.inputPrefix());
            // Every day still waiting shows its count, not only the one next in line.
            for (LocalDate d : demoDays.tailSet(day)) {
              if (days.get(d).endsWith("hours marked")) days.put(d, marked.getOrDefault(d, 0) + "/24 hours marked");
            }
            if (marked.getOrDefault(day, 0) == 24) break;
            Thread.sleep(3000);
          }
          if (closed) return;
          days.put(day, "curating");
          Process p = CurationJob.start(CurationJob.currentJava(), repo, version, endpoints,
              List.of("run", "--ds", day.toString()), logs.resolve("curation-" + day + ".log"));
          job = p;
          LocalStack.adopt("curation", p.toHandle()); // ends with the servers if the launcher dies hard
          int code = p.waitFor();
          days.put(day, code == 0 ? "published" : "failed (exit " + code + ", see " + logs.resolve("curation-" + day + ".log") + ")");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        if (!closed) days.replaceAll((d, s) -> s.startsWith("published") ? s : "stopped: " + e.getMessage());
      }
    }, "millrace-curation");
    thread.setDaemon(true);
    curator = thread;
    thread.start();
  }

  private List<String> markerKeys(MinioClient s3, String bucket) throws Exception {
    List<String> keys = new ArrayList<>();
    for (Result<Item> item : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(endpoints.inputPrefix() + "/_markers/")
        .recursive(true).build())) {
      keys.add(item.get().objectName());
    }
    return keys;
  }

  /** True once every demo day is published or failed. */
  public boolean curationDone() {
    return days.values().stream().allMatch(s -> s.startsWith("published") || s.startsWith("failed") || s.startsWith("stopped"));
  }

  public boolean awaitCuration(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (curationDone()) return true;
      Thread.sleep(1000);
    }
    return false;
  }

  /**
   * The display's view. Asks Trino (two small queries, not before the first publish) at most every
   * 5 s and when a day was published since: the display refreshes every second, the tables do not.
   */
  public CuratedState state() {
    long published = days.values().stream().filter(s -> s.equals("published")).count();
    CuratedState cached = lastState;
    if (published > 0 && (published != lastPublishedCount || System.nanoTime() - lastAsked > 5_000_000_000L)) {
      lastAsked = System.nanoTime();
      CuratedState fresh = ask();
      if (fresh != null) {
        lastPublishedCount = published;
        lastState = cached = fresh;
      }
    }
    return new CuratedState(new java.util.TreeMap<>(days), cached == null ? Map.of() : cached.rows(),
        cached == null ? null : cached.lastPublished());
  }

  private volatile CuratedState lastState;
  private volatile long lastAsked;
  private volatile long lastPublishedCount;

  /** Rows per table and the last published ds from Trino; null when Trino does not answer now. */
  private CuratedState ask() {
    Map<String, Long> rows = new LinkedHashMap<>();
    LocalDate last = null;
    try {
      StringBuilder sql = new StringBuilder();
      for (String table : TABLES) {
        sql.append(sql.length() == 0 ? "" : " UNION ALL ").append("SELECT '").append(table).append("', count(*) FROM ")
            .append(qualified(table));
      }
      for (List<JsonNode> row : trino.rows(sql.toString(), Duration.ofSeconds(20))) {
        rows.put(row.get(0).asString(), row.get(1).asLong());
      }
      for (List<JsonNode> row : trino.rows("SELECT CAST(max(ds) AS varchar) FROM " + qualified("curation_runs")
          + " WHERE status = 'PUBLISHED'", Duration.ofSeconds(20))) {
        if (!row.get(0).isNull()) last = LocalDate.parse(row.get(0).asString());
      }
      // UNION ALL gives no order: the catalogue's.
      Map<String, Long> ordered = new LinkedHashMap<>();
      TABLES.forEach(t -> { if (rows.containsKey(t)) ordered.put(t, rows.get(t)); });
      return new CuratedState(new java.util.TreeMap<>(days), ordered, last);
    } catch (IOException | RuntimeException e) {
      // Trino busy or restarting: the last answer stays on screen.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  /** {@code curated.millrace.<table>}. */
  public String qualified(String table) {
    return endpoints.catalogName() + "." + endpoints.namespace() + "." + table;
  }

  /** Stops a running job; the servers stop with the local stack. */
  @Override
  public void close() {
    closed = true;
    shim.close();
    Thread t = curator;
    if (t != null) t.interrupt();
    Process p = job;
    if (p != null && p.isAlive()) {
      p.destroy();
      try {
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }
}
