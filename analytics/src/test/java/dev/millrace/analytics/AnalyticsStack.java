package dev.millrace.analytics;

import dev.millrace.curation.CurationMain;
import dev.millrace.curation.config.CurationConfig;
import dev.millrace.curation.fixture.CurationEnvironment;
import dev.millrace.curation.fixture.Day;
import dev.millrace.curation.fixture.LakeFixture;
import dev.millrace.curation.fixture.TestEvent;
import dev.millrace.curation.input.LakeInput;
import dev.millrace.curation.run.CurationJob;
import dev.millrace.curation.run.RunOptions;
import dev.millrace.curation.run.RunResult;
import dev.millrace.localstack.ElasticsearchRootShim;
import dev.millrace.localstack.ElasticsearchServer;
import dev.millrace.localstack.IcebergCatalog;
import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.TrinoServer;
import dev.millrace.realtime.config.RealtimeProperties;
import dev.millrace.realtime.index.IndexTemplates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.SparkSession;
import tools.jackson.databind.json.JsonMapper;

/**
 * The servers the analysts' tools run on, once per test JVM: Trino with the shipped {@code curated}
 * and {@code realtime} catalogs, Elasticsearch with the realtime loader's mappings behind its
 * aliases, and the curation job's tables in namespace {@code millrace}, built by the job itself
 * from the generated day {@link Day#one()}.
 */
final class AnalyticsStack {

  static final String NAMESPACE = "millrace";
  static final String LAKE_BUCKET = CurationEnvironment.LAKE_BUCKET;
  private static final DateTimeFormatter DAILY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);

  private static AnalyticsStack stack;

  final TrinoServer trino;
  final ElasticsearchServer elasticsearch;
  final IcebergCatalog curated;
  final Map<String, String> environment;
  /** What was loaded, for the Python tests to compute what the dashboards must show. */
  final List<TestEvent> day;
  final List<Map<String, Object>> realtimeEvents = new ArrayList<>();
  final List<Map<String, Object>> deadLetters = new ArrayList<>();
  final Instant loadedAt;

  static synchronized AnalyticsStack get() {
    if (stack == null) {
      stack = new AnalyticsStack();
    }
    return stack;
  }

  private AnalyticsStack() {
    // Elasticsearch and Trino take the longest: start them side by side.
    CompletableFuture<ElasticsearchServer> es = CompletableFuture.supplyAsync(LocalStack::elasticsearch);
    this.trino = LocalStack.trino();
    this.elasticsearch = es.join();
    this.curated = LocalStack.curatedCatalog();
    ElasticsearchRootShim shim = new ElasticsearchRootShim(elasticsearch.url());
    Map<String, String> env = new HashMap<>();
    env.put("MILLRACE_CATALOG_JDBC_URL", curated.jdbcUrl());
    env.put("MILLRACE_CATALOG_JDBC_USER", curated.jdbcUser());
    env.put("MILLRACE_CATALOG_JDBC_PASSWORD", curated.jdbcPassword());
    env.put("MILLRACE_CURATED_WAREHOUSE", curated.warehouse());
    env.put("MILLRACE_S3_ENDPOINT", curated.s3Endpoint());
    env.put("MILLRACE_S3_REGION", curated.s3Region());
    env.put("MILLRACE_S3_ACCESS_KEY", curated.s3AccessKey());
    env.put("MILLRACE_S3_SECRET_KEY", curated.s3SecretKey());
    // Trino reaches the real Elasticsearch through the shim: see ElasticsearchRootShim for why.
    env.put("MILLRACE_ELASTICSEARCH_HOST", "127.0.0.1");
    env.put("MILLRACE_ELASTICSEARCH_PORT", Integer.toString(shim.port()));
    this.environment = Map.copyOf(env);
    // local-stack's Trino starts with curated; realtime is created from the shipped file itself.
    ShippedCatalog realtime = ShippedCatalog.read("realtime", environment);
    trino.createCatalog("realtime", realtime.connector(), realtime.withProperties());

    this.day = Day.one();
    curate(day, Day.ONE);
    this.loadedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    loadRealtime();
  }

  /** The generated day through the batch loader's writer and the curation job, into {@code curated.millrace}. */
  private void curate(List<TestEvent> events, LocalDate ds) {
    Map<String, String> settings = CurationEnvironment.settings();
    String p = CurationConfig.PREFIX;
    settings.put(p + "input.prefix", "events");
    settings.put(p + "namespace", NAMESPACE);
    settings.put("spark.master", "local[2]");
    settings.put("spark.sql.shuffle.partitions", "2");
    settings.put("spark.default.parallelism", "2");
    settings.put("spark.ui.enabled", "false");
    CurationConfig config = CurationConfig.of(settings);
    SparkSession spark = CurationMain.session(config);
    try {
      Path spill = Files.createTempDirectory("analytics-it-spill");
      LakeFixture lake = new LakeFixture(config.fileIO(), config.inputBucket(), config.inputPrefix(), spill);
      lake.write(events);
      lake.markDays(ds, ds);
      RunResult result = new CurationJob(spark, config,
          new LakeInput(config.fileIO(), config.inputBucket(), config.inputPrefix()), Clock.systemUTC())
          .run(ds, RunOptions.all());
      if (result.inputRows() != events.size()) {
        throw new IllegalStateException("curation read " + result.inputRows() + " rows of " + events.size());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      spark.stop();
    }
  }

  /**
   * A few events and dead letters indexed as the realtime loader indexes them: daily indexes under
   * its index templates (its own mapping files, with the aliases Trino's realtime catalog reads).
   */
  private void loadRealtime() {
    // The loader's templates as it installs them (its default names), one replica fewer: one node.
    RealtimeProperties.Index index = new RealtimeProperties.Index("millrace-events", "millrace-events",
        "millrace-dead-letters", "millrace-dead-letters", "yyyy.MM.dd", RealtimeProperties.TimeField.RECEIVED_AT,
        1, 0, 1000, 20, 1024,
        RealtimeProperties.Index.defaultRefreshInterval());
    new IndexTemplates(index, JsonMapper.builder().build()).bodies()
        .forEach((name, body) -> request("PUT", "/_index_template/" + name, body.toString()));
    String[] types = {"page_view", "page_view", "page_view", "add_to_cart", "purchase"};
    for (int i = 0; i < types.length; i++) {
      // Seconds old: still inside the last 15 minutes when the charts are checked, minutes later.
      realtimeEvent("rt-" + i, types[i], loadedAt.minusSeconds(20L * (i + 1)));
    }
    // Received long before the last 15 minutes: in the totals, not in the recent count.
    realtimeEvent("rt-old-1", "page_view", loadedAt.minus(2, ChronoUnit.HOURS));
    realtimeEvent("rt-old-2", "page_view", loadedAt.minus(26, ChronoUnit.HOURS));
    deadLetter("dl-1", "ENRICHER", "SCHEMA_VIOLATION", loadedAt.minusSeconds(30));
    deadLetter("dl-2", "ENRICHER", "SCHEMA_VIOLATION", loadedAt.minusSeconds(150));
    deadLetter("dl-3", "COLLECTOR", "MISSING_FIELD", loadedAt.minusSeconds(90));
    request("POST", "/_refresh", null);
  }

  private void realtimeEvent(String id, String type, Instant receivedAt) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("event_id", id);
    doc.put("event_type", type);
    doc.put("schema_version", "1-0-0");
    doc.put("source", "shop-web");
    doc.put("occurred_at", receivedAt.minusSeconds(1).toString());
    doc.put("metadata", Map.of("received_at", receivedAt.toString(), "transport", "REST"));
    realtimeEvents.add(doc);
    request("PUT", "/millrace-events-" + DAILY.format(receivedAt) + "/_doc/" + id, Json.write(doc));
  }

  private void deadLetter(String id, String stage, String reason, Instant failedAt) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("stage", stage);
    doc.put("reason", reason);
    doc.put("message", "generated by the analytics test");
    doc.put("event_type", "page_view");
    doc.put("failed_at", failedAt.toString());
    deadLetters.add(doc);
    request("PUT", "/millrace-dead-letters-" + DAILY.format(failedAt) + "/_doc/" + id, Json.write(doc));
  }

  private void request(String method, String path, String body) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(elasticsearch.url() + path))
          .header("Content-Type", "application/json");
      b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() >= 300) {
        throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
