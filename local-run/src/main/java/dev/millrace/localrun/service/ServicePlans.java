package dev.millrace.localrun.service;

import dev.millrace.localrun.stack.ServerEndpoints;
import dev.millrace.proto.WireNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the five services are configured for a local run: only environment variables, the same keys
 * a deployment sets (each module's README has the table). Pure: the same inputs give the same plan.
 *
 * <p>Names follow Spring's canonical environment form: dots become underscores and dashes are
 * dropped ({@code write-keys.demo} is {@code WRITEKEYS_DEMO}); the dash-as-underscore form does not
 * bind map keys. Below a {@code kafka} map the rest of the name is the client key with its dots.
 */
public final class ServicePlans {

  /** Topics the services write to; created up front so the first event does not wait for auto-creation. */
  public static final List<String> TOPICS = List.of(WireNames.RAW_TOPIC, WireNames.COLLECTOR_DEAD_LETTER_TOPIC,
      WireNames.ENRICHED_TOPIC, WireNames.ENRICHER_DEAD_LETTER_TOPIC, "millrace.dead-letter.batch-loader");

  public static final String BUCKET = "millrace-events";
  public static final String WRITE_KEY_ID = "demo";
  /**
   * The Snowplow app id ({@code aid}) the collector accepts without a write key, as the demo write
   * key's source: Snowplow's trackers send no credentials. Lower-case letters only, since Spring
   * lower-cases the map keys it binds from environment variables.
   */
  public static final String SNOWPLOW_APP_ID = "demoweb";

  /**
   * @param writeKey the demo producer's write key; the collector only gets its SHA-256
   * @param piiKey the enrichment API's pseudonymisation key for this run
   * @param stateDir where the enricher keeps its Kafka Streams state and the batch loader its open files
   * @param batchRotation how soon the batch loader closes a Parquet file, so data shows up quickly
   */
  public record Settings(String writeKey, String piiKey, Path stateDir, String batchRotation) {}

  private ServicePlans() {}

  /** In start order: the enrichment API before the enricher that calls it. */
  public static List<ServiceSpec> plan(ServerEndpoints infra, ServicePorts ports, Settings settings) {
    return List.of(
        new ServiceSpec("enrichment-api", "enrichment-api", "millrace-enrichment-api", "512m",
            ports.enrichmentHttp(), enrichmentApi(ports, settings)),
        new ServiceSpec("collector", "collector-service", "millrace-collector-service", "384m",
            ports.collectorHttp(), collector(infra, ports, settings)),
        new ServiceSpec("enricher", "enricher-service", "millrace-enricher-service", "512m",
            ports.enricherHttp(), enricher(infra, ports, settings)),
        new ServiceSpec("realtime-loader", "realtime-loader", "millrace-realtime-loader", "384m",
            ports.realtimeHttp(), realtime(infra, ports, settings)),
        new ServiceSpec("batch-loader", "batch-loader", "millrace-batch-loader", "512m",
            ports.batchHttp(), batch(infra, ports, settings)));
  }

  private static Map<String, String> common(int httpPort) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SERVER_PORT", Integer.toString(httpPort));
    env.put("SERVER_ADDRESS", "127.0.0.1");
    env.put("MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED", "true");
    env.put("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE", "health,info,prometheus");
    return env;
  }

  static Map<String, String> enrichmentApi(ServicePorts ports, Settings settings) {
    Map<String, String> env = common(ports.enrichmentHttp());
    env.put("MILLRACE_ENRICHMENT_GRPC_PORT", Integer.toString(ports.enrichmentGrpc()));
    env.putAll(privacy(settings));
    return env;
  }

  /**
   * How PII is pseudonymised: the enrichment API applies it to events, and the realtime loader the
   * same to the originals that dead letters show in Elasticsearch, so both get these settings.
   */
  static Map<String, String> privacy(Settings settings) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MILLRACE_ENRICHMENT_PII_KEY", settings.piiKey());
    // The demo's signup events carry an e-mail: it reaches the stores only pseudonymised.
    env.put("MILLRACE_ENRICHMENT_PII_PAYLOADPATHS_0_", "$.email");
    return env;
  }

  static Map<String, String> collector(ServerEndpoints infra, ServicePorts ports, Settings settings) {
    Map<String, String> env = common(ports.collectorHttp());
    env.put("MILLRACE_COLLECTOR_GRPC_PORT", Integer.toString(ports.collectorGrpc()));
    env.put("MILLRACE_COLLECTOR_INSTANCEID", "local-collector-1");
    env.put("MILLRACE_COLLECTOR_WRITEKEYS_" + WRITE_KEY_ID.toUpperCase(java.util.Locale.ROOT), sha256(settings.writeKey()));
    env.put("MILLRACE_COLLECTOR_SNOWPLOW_APPIDS_" + SNOWPLOW_APP_ID.toUpperCase(java.util.Locale.ROOT), WRITE_KEY_ID);
    env.put("MILLRACE_COLLECTOR_KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
    return env;
  }

  static Map<String, String> enricher(ServerEndpoints infra, ServicePorts ports, Settings settings) {
    Map<String, String> env = common(ports.enricherHttp());
    env.put("MILLRACE_ENRICHER_BOOTSTRAPSERVERS", infra.bootstrapServers());
    env.put("MILLRACE_ENRICHER_STREAMS_STATEDIR", settings.stateDir().resolve("enricher").toString());
    env.put("MILLRACE_ENRICHER_ENRICHMENT_TARGET", "127.0.0.1:" + ports.enrichmentGrpc());
    return env;
  }

  static Map<String, String> realtime(ServerEndpoints infra, ServicePorts ports, Settings settings) {
    Map<String, String> env = common(ports.realtimeHttp());
    env.putAll(privacy(settings));
    env.put("MILLRACE_REALTIME_KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
    env.put("MILLRACE_REALTIME_ELASTICSEARCH_URLS", infra.elasticsearchUrl());
    // One node: replicas could never be assigned and the indexes would stay yellow.
    env.put("MILLRACE_REALTIME_INDEX_REPLICAS", "0");
    return env;
  }

  static Map<String, String> batch(ServerEndpoints infra, ServicePorts ports, Settings settings) {
    Map<String, String> env = common(ports.batchHttp());
    env.put("MILLRACE_BATCH_KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
    env.put("MILLRACE_BATCH_S3_ENDPOINT", infra.s3Endpoint());
    env.put("MILLRACE_BATCH_S3_ACCESSKEY", infra.s3AccessKey());
    env.put("MILLRACE_BATCH_S3_SECRETKEY", infra.s3SecretKey());
    env.put("MILLRACE_BATCH_S3_REGION", infra.s3Region());
    env.put("MILLRACE_BATCH_S3_BUCKET", BUCKET);
    env.put("MILLRACE_BATCH_ROTATION_INTERVAL", settings.batchRotation());
    env.put("MILLRACE_BATCH_SPILLDIR", settings.stateDir().resolve("batch-loader").toString());
    return env;
  }

  /**
   * The batch loader's settings when the run curates its demo history (analytics on): hours by the
   * producer's {@code occurred_at}, which the demo spreads over past days, and hours marked complete
   * 5 minutes of event time after their end instead of 10: the demo sends in {@code occurred_at}
   * order, so its own events are the watermark and its past days are complete as soon as they are
   * sent. The idle rule is pushed out to 30 minutes: with the production minute (let alone seconds)
   * a partition the enricher has not reached yet counts as idle, its watermark jumps to the wall
   * clock, every past hour is marked at once and the rest of the history arrives late (measured: a
   * third of each day's files outside the manifests with 10 s).
   */
  public static Map<String, String> demoHistoryBatch() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MILLRACE_BATCH_PARTITIONBY", "OCCURRED_AT");
    env.put("MILLRACE_BATCH_MARKER_GRACE", DEMO_MARKER_GRACE);
    env.put("MILLRACE_BATCH_MARKER_IDLEAFTER", "30m");
    env.put("MILLRACE_BATCH_MARKER_CHECKINTERVAL", "5s");
    return env;
  }

  /** How long after its end (by occurred_at) an hour of the demo is complete; said on screen. */
  public static final String DEMO_MARKER_GRACE = "5m";

  /** Lower-case hex SHA-256, the form the collector's write-key table holds. */
  public static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
