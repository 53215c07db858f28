package dev.millrace.bench.realtime;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.json.jackson.Jackson3JsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import com.google.protobuf.Timestamp;
import dev.millrace.bench.Baselines;
import dev.millrace.bench.BenchContext;
import dev.millrace.bench.Benchmark;
import dev.millrace.bench.baseline.ElasticsearchBulkBaseline;
import dev.millrace.bench.Result;
import dev.millrace.bench.Topics;
import dev.millrace.localstack.ElasticsearchServer;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStack;
import dev.millrace.proto.v1.BotScore;
import dev.millrace.proto.v1.Campaign;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Enrichment;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.Transport;
import dev.millrace.proto.v1.UserAgentInfo;
import dev.millrace.realtime.RealtimeLoaderApplication;
import dev.millrace.realtime.config.RealtimeProperties;
import dev.millrace.realtime.index.DocumentMapper;
import dev.millrace.realtime.index.IndexTemplates;
import dev.millrace.realtime.index.LoaderDocument;
import dev.millrace.realtime.index.Origin;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import org.apache.http.HttpHost;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RestClient;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * The realtime loader on the local stack: (1) docs/s loading a backlog of ~1 KB enriched events,
 * next to the raw {@code _bulk} baseline of ~1 KB documents; (2) event-to-searchable latency: an
 * event produced to Kafka until a search finds it, with the default refresh interval (1 s).
 */
public final class RealtimeLoaderBenchmark implements Benchmark {

  @Override
  public int order() {
    return 400;
  }

  @Override
  public String name() {
    return "realtime";
  }

  @Override
  public List<Result> run(BenchContext context) throws Exception {
    KafkaServer kafka = LocalStack.kafka();
    ElasticsearchServer elasticsearch = LocalStack.elasticsearch();
    // Warm-up passes (the loader's code in this JVM, and Elasticsearch's) until the JIT is quiet:
    // each a fresh loader on a fresh backlog, as the measured pass.
    int warmUpBacklog = Math.max(5_000, context.scaled(30_000));
    BenchContext.warmUp(Duration.ofSeconds(60), () -> {
      String run = "bench-rt-" + UUID.randomUUID().toString().substring(0, 8);
      try (KafkaProducer<String, byte[]> producer = producer(kafka);
           RestClient rest = RestClient.builder(HttpHost.create(elasticsearch.url())).build()) {
        String topic = backlog(kafka, producer, run, warmUpBacklog);
        try (ConfigurableApplicationContext loader = startLoader(kafka, elasticsearch, run, topic)) {
          awaitIndexed(loader.getBean(MeterRegistry.class), warmUpBacklog);
        } finally {
          deleteIndexes(rest, run + "-*");
        }
      }
    });

    String run = "bench-rt-" + UUID.randomUUID().toString().substring(0, 8);
    int backlog = context.scaled(100_000);
    int probes = Math.max(50, context.scaled(500));
    try (KafkaProducer<String, byte[]> producer = producer(kafka);
         RestClient rest = RestClient.builder(HttpHost.create(elasticsearch.url())).build()) {
      String topic = backlog(kafka, producer, run, backlog);
      long docBytes = documentBytes();
      ElasticsearchClient es = new ElasticsearchClient(new RestClientTransport(rest, new Jackson3JsonpMapper()));
      Result sameDocs = rawBulkOfLoaderDocuments(es, elasticsearch.url(), run + "-raw", backlog);

      ConfigurableApplicationContext loader = startLoader(kafka, elasticsearch, run, topic);
      List<Result> results = new ArrayList<>();
      try {
        MeterRegistry registry = loader.getBean(MeterRegistry.class);
        // Steady state: from 10 % to 100 % of the backlog, leaving out start-up and the group join.
        long tenth = backlog / 10;
        long t10 = awaitIndexed(registry, tenth);
        long t100 = awaitIndexed(registry, backlog);
        double seconds = (t100 - t10) / 1e9;
        long count = backlog - tenth;
        Result loaded = Result.throughput("realtime loader (defaults)", count, "docs", seconds, count * docBytes);
        double vsEsBulk = context.result(Baselines.ES_BULK).map(b -> loaded.perSecond() / b.perSecond()).orElse(Double.NaN);
        results.add(sameDocs);
        results.add(loaded.comparedTo(sameDocs.row()).withNote(String.format(Locale.ROOT,
            "Kafka backlog -> ES, steady state, %d B docs; %.2fx of '%s'; target >= 0.8x; mean bulk %.0f ms",
            docBytes, vsEsBulk, Baselines.ES_BULK,
            registry.get("millrace.realtime.bulk.latency").timer().mean(TimeUnit.MILLISECONDS))));

        results.add(latency(producer, es, topic, run + "-events", probes, loader.getBean(RealtimeProperties.class)));
      } finally {
        loader.close();
        deleteIndexes(rest, run + "-*");
      }
      return results;
    }
  }

  private static KafkaProducer<String, byte[]> producer(KafkaServer kafka) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /** Creates the run's topics and puts {@code count} enriched events on its enriched topic. */
  private static String backlog(KafkaServer kafka, KafkaProducer<String, byte[]> producer, String run,
                                int count) {
    String topic = run + ".enriched";
    kafka.createTopics(3, topic, run + ".dl-collector", run + ".dl-enricher");
    Topics.awaitLeaders(producer, topic, 3);
    for (int n = 0; n < count; n++) {
      EnrichedEvent e = event(UUID.randomUUID().toString(), Instant.now());
      producer.send(new ProducerRecord<>(topic, e.getRaw().getEvent().getEventId(), e.toByteArray()));
    }
    producer.flush();
    return topic;
  }

  /** The loader as the service runs, on the run's topics and index names. */
  private static ConfigurableApplicationContext startLoader(KafkaServer kafka,
                                                            ElasticsearchServer elasticsearch,
                                                            String run, String topic) {
    return RealtimeLoaderApplication.builder()
        // Command-line arguments, so they override millrace-realtime-loader.yml.
        .run(
            "--server.port=0",
            "--spring.main.banner-mode=off",
            "--logging.level.root=WARN",
            "--millrace.realtime.kafka.bootstrap.servers=" + kafka.bootstrapServers(),
            "--millrace.realtime.topics.enriched=" + topic,
            "--millrace.realtime.topics.collector-dead-letter=" + run + ".dl-collector",
            "--millrace.realtime.topics.enricher-dead-letter=" + run + ".dl-enricher",
            "--millrace.realtime.consumer.group-id=" + run,
            "--millrace.realtime.elasticsearch.urls=" + elasticsearch.url(),
            "--millrace.realtime.index.events-prefix=" + run + "-events",
            "--millrace.realtime.index.events-alias=" + run + "-events",
            "--millrace.realtime.index.dead-letters-prefix=" + run + "-dead-letters",
            "--millrace.realtime.index.dead-letters-alias=" + run + "-dead-letters",
            "--millrace.realtime.index.replicas=0");
  }

  /**
   * The ceiling for the loader: its own documents (same JSON, same ids, same index template),
   * sent as raw {@code _bulk} requests of 1,000 with two in flight, like the ES baseline. The ratio
   * of the loader to this row is the loader's own overhead; this row against the ES baseline is
   * what the richer documents cost Elasticsearch.
   */
  private static Result rawBulkOfLoaderDocuments(ElasticsearchClient es, String url, String prefix, int count)
      throws Exception {
    RealtimeProperties.Index settings = new RealtimeProperties.Index(prefix + "-events", prefix + "-events",
        prefix + "-dead-letters", prefix + "-dead-letters", "yyyy.MM.dd", RealtimeProperties.TimeField.RECEIVED_AT,
        1, 0, 1000, 20, 1024,
        RealtimeProperties.Index.defaultRefreshInterval());
    JsonMapper json = JsonMapper.builder().build();
    new IndexTemplates(settings, json).install(es);
    DocumentMapper mapper = new DocumentMapper(settings, json);
    List<byte[]> bodies = new ArrayList<>();
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    for (int n = 0; n < count; n++) {
      EnrichedEvent e = event(UUID.randomUUID().toString(), Instant.now());
      LoaderDocument doc = mapper.event(e, new Origin("t", 0, n, System.currentTimeMillis(), ""), null);
      body.write(("{\"index\":{\"_index\":\"" + doc.index() + "\",\"_id\":\"" + doc.id() + "\"}}\n")
          .getBytes(StandardCharsets.UTF_8));
      body.write(doc.source());
      body.write('\n');
      if ((n + 1) % 1000 == 0 || n == count - 1) {
        bodies.add(body.toByteArray());
        body.reset();
      }
    }
    int warmup = Math.max(1, bodies.size() / 10);
    HttpClient http = HttpClient.newHttpClient();
    ElasticsearchBulkBaseline.bulk(http, url + "/_bulk", bodies.subList(0, warmup));
    List<byte[]> timed = bodies.subList(warmup, bodies.size());
    long bytes = timed.stream().mapToLong(b -> b.length).sum();
    long began = System.nanoTime();
    ElasticsearchBulkBaseline.bulk(http, url + "/_bulk", timed);
    double seconds = (System.nanoTime() - began) / 1e9;
    long docs = Math.max(0, count - (long) warmup * 1000);
    return Result.throughput("elasticsearch _bulk (the loader's docs, ids)", docs, "docs", seconds, bytes)
        .comparedTo(Baselines.ES_BULK)
        .withNote("same JSON, ids and template as the loader; 1000 docs/request, 2 in flight");
  }

  /** Removes this run's indexes; wildcards are refused by DELETE (action.destructive_requires_name). */
  private static void deleteIndexes(RestClient rest, String pattern) {
    try {
      ElasticsearchClient es = new ElasticsearchClient(new RestClientTransport(rest, new Jackson3JsonpMapper()));
      String names = String.join(",", es.indices().get(g -> g.index(pattern)).result().keySet());
      if (!names.isEmpty()) {
        rest.performRequest(new Request("DELETE", "/" + names));
      }
      rest.performRequest(new Request("DELETE", "/_index_template/" + pattern));
    } catch (Exception e) {
      System.err.println("could not delete the benchmark's indexes " + pattern + ": " + e);
    }
  }

  /** Produces events at a steady rate and times each from send to the first search that finds it. */
  private static Result latency(KafkaProducer<String, byte[]> producer, ElasticsearchClient es, String topic,
                                String alias, int probes, RealtimeProperties settings) throws Exception {
    Map<String, Long> sent = new ConcurrentHashMap<>();
    Map<String, Long> seen = new ConcurrentHashMap<>();
    Thread sender = new Thread(() -> {
      for (int i = 0; i < probes; i++) {
        EnrichedEvent e = event(UUID.randomUUID().toString(), Instant.now());
        String id = e.getRaw().getEvent().getEventId();
        sent.put(id, System.nanoTime());
        producer.send(new ProducerRecord<>(topic, id, e.toByteArray()));
        producer.flush();
        try {
          Thread.sleep(20); // ~50 events/s: the loader is not backlogged
        } catch (InterruptedException ex) {
          return;
        }
      }
    });
    long start = System.nanoTime();
    sender.start();
    long deadline = start + 120_000_000_000L;
    while (seen.size() < probes && System.nanoTime() < deadline) {
      List<FieldValue> pending = sent.keySet().stream().filter(id -> !seen.containsKey(id))
          .limit(1000).map(FieldValue::of).toList();
      if (!pending.isEmpty()) {
        SearchResponse<Void> found = es.search(s -> s.index(alias).size(pending.size()).source(src -> src.fetch(false))
            .query(q -> q.terms(t -> t.field("event_id").terms(v -> v.value(pending)))), Void.class);
        long now = System.nanoTime();
        found.hits().hits().forEach(h -> seen.putIfAbsent(h.id(), now));
      }
      Thread.sleep(10);
    }
    sender.join();
    double[] millis = seen.entrySet().stream()
        .mapToDouble(e -> (e.getValue() - sent.get(e.getKey())) / 1e6).sorted().toArray();
    double seconds = (System.nanoTime() - start) / 1e9;
    return Result.throughput("realtime event-to-searchable (refresh "
            + settings.index().refreshInterval().toMillis() + "ms)", millis.length, "events", seconds, 0)
        .withLatency(percentile(millis, 50), percentile(millis, 99))
        .withNote("produce -> search hit, ~50 events/s, bulk linger " + settings.bulk().linger().toMillis() + "ms"
            + (millis.length < probes
            ? "; " + (probes - millis.length) + " not seen within 120 s" : ""));
  }

  private static double percentile(double[] sorted, int pct) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(pct / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static long awaitIndexed(MeterRegistry registry, long target) throws InterruptedException {
    long deadline = System.nanoTime() + 600_000_000_000L;
    while (System.nanoTime() < deadline) {
      var counter = registry.find("millrace.realtime.documents").tag("kind", "event").counter();
      if (counter != null && counter.count() >= target) {
        return System.nanoTime();
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("the loader did not index " + target + " events within 10 minutes");
  }

  /** The size of one event's document, as the loader writes it. */
  private static long documentBytes() throws Exception {
    RealtimeProperties.Index index = new RealtimeProperties.Index("e", "e", "d", "d", "yyyy.MM.dd",
        RealtimeProperties.TimeField.RECEIVED_AT, 1, 0, 1000, 20, 1024,
        RealtimeProperties.Index.defaultRefreshInterval());
    EnrichedEvent e = event(UUID.randomUUID().toString(), Instant.now());
    return new DocumentMapper(index, JsonMapper.builder().build())
        .event(e, new Origin("t", 0, 0, 0, ""), null).source().length;
  }

  /** An enriched event whose document is about 1.1 KB: the envelope, context, metadata and enrichment. */
  static EnrichedEvent event(String id, Instant now) {
    Timestamp ts = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
    return EnrichedEvent.newBuilder()
        .setRaw(RawEvent.newBuilder()
            .setEvent(Event.newBuilder().setEventId(id).setEventType("add_to_cart").setSchemaVersion("1-0-0")
                .setOccurredAt(ts).setSource("shop-web")
                .setContext(Context.newBuilder().setUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0.0.0")
                    .setIp("203.0.113.0").setPageUrl("https://shop.example.com/p/42?utm_source=news")
                    .setUserId("pseudo-7f3a").setLocale("en-GB"))
                .setPayloadJson("{\"sku\":\"KET-01\",\"qty\":2,\"price\":12.5,\"note\":\"gift\"}"))
            .setMetadata(CollectorMetadata.newBuilder().setReceivedAt(ts).setCollectorInstance("collector-0")
                .setRequestId("req-01HZX").setClientIp("203.0.113.0").setWriteKeyId("shop-web")
                .setTransport(Transport.TRANSPORT_REST)))
        .setEnrichment(Enrichment.newBuilder()
            .setUserAgent(UserAgentInfo.newBuilder().setDeviceClass("Desktop").setOsName("Windows NT")
                .setAgentName("Chrome").setAgentVersion("124.0.0.0").setAgentClass("Browser"))
            .setCampaign(Campaign.newBuilder().setSource("news").setMedium("email"))
            .setAnonymizedIp("203.0.113.0")
            .setBot(BotScore.newBuilder().setScore(0.1).setModelVersion("bot-lr-1"))
            .setEnrichmentVersion("1.0.0").addApplied("user_agent").addApplied("campaign"))
        .setEnrichedAt(ts)
        .build();
  }
}
