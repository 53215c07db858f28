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
import dev.millrace.bench.Result;
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
import dev.millrace.realtime.index.Origin;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
    String run = "bench-rt-" + UUID.randomUUID().toString().substring(0, 8);
    String topic = run + ".enriched";
    kafka.createTopics(3, topic, run + ".dl-collector", run + ".dl-enricher");
    int backlog = context.scaled(100_000);
    int probes = Math.max(50, context.scaled(500));

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    try (KafkaProducer<String, byte[]> producer =
             new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
         RestClient rest = RestClient.builder(HttpHost.create(elasticsearch.url())).build()) {
      for (int n = 0; n < backlog; n++) {
        EnrichedEvent e = event(UUID.randomUUID().toString(), Instant.now());
        producer.send(new ProducerRecord<>(topic, e.getRaw().getEvent().getEventId(), e.toByteArray()));
      }
      producer.flush();
      long docBytes = documentBytes();

      ConfigurableApplicationContext loader = new SpringApplicationBuilder(RealtimeLoaderApplication.class)
          // Command-line arguments, so they override application.yml.
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
      List<Result> results = new ArrayList<>();
      try {
        MeterRegistry registry = loader.getBean(MeterRegistry.class);
        // Steady state: from 10 % to 100 % of the backlog, leaving out start-up and the group join.
        long tenth = backlog / 10;
        long t10 = awaitIndexed(registry, tenth);
        long t100 = awaitIndexed(registry, backlog);
        double seconds = (t100 - t10) / 1e9;
        long count = backlog - tenth;
        results.add(Result.throughput("realtime loader (1 KB docs, defaults)", count, "docs", seconds,
                count * docBytes)
            .comparedTo(Baselines.ES_BULK)
            .withNote("Kafka backlog -> ES, steady state; target >= 0.8x"));

        ElasticsearchClient es = new ElasticsearchClient(new RestClientTransport(rest, new Jackson3JsonpMapper()));
        results.add(latency(producer, es, topic, run + "-events", probes));
      } finally {
        loader.close();
        deleteIndexes(rest, run + "-*");
      }
      return results;
    }
  }

  /** Removes this run's indexes; wildcards are refused by DELETE (action.destructive_requires_name). */
  private static void deleteIndexes(RestClient rest, String pattern) {
    try {
      ElasticsearchClient es = new ElasticsearchClient(new RestClientTransport(rest, new Jackson3JsonpMapper()));
      String names = String.join(",", es.indices().get(g -> g.index(pattern)).result().keySet());
      if (!names.isEmpty()) {
        rest.performRequest(new Request("DELETE", "/" + names));
      }
    } catch (Exception e) {
      System.err.println("could not delete the benchmark's indexes " + pattern + ": " + e);
    }
  }

  /** Produces events at a steady rate and times each from send to the first search that finds it. */
  private static Result latency(KafkaProducer<String, byte[]> producer, ElasticsearchClient es, String topic,
                                String alias, int probes) throws Exception {
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
    return Result.throughput("realtime event-to-searchable (refresh 1s)", millis.length, "events", seconds, 0)
        .withLatency(percentile(millis, 50), percentile(millis, 99))
        .withNote("produce -> search hit, ~50 events/s, linger 500ms" + (millis.length < probes
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
        RealtimeProperties.TimeField.RECEIVED_AT, 1, 0, 1000, 20, 1024);
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
