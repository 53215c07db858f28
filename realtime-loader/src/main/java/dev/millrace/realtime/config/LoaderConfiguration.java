package dev.millrace.realtime.config;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.Jackson3JsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import dev.millrace.realtime.consume.LoaderLoop;
import dev.millrace.realtime.consume.LoaderRunner;
import dev.millrace.realtime.consume.RecordDecoder;
import dev.millrace.realtime.index.DocumentMapper;
import dev.millrace.realtime.index.IndexTemplates;
import dev.millrace.realtime.ops.ElasticsearchHealthIndicator;
import dev.millrace.realtime.ops.LoaderHealthIndicator;
import dev.millrace.realtime.ops.LoaderMetrics;
import dev.millrace.realtime.privacy.DeadLetterPrivacy;
import dev.millrace.realtime.sink.BulkSink;
import dev.millrace.realtime.sink.ElasticsearchBulkClient;
import dev.millrace.realtime.sink.Sleeper;
import dev.millrace.retry.Backoff;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.message.BasicHeader;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.elasticsearch.client.RestClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the loader from {@link RealtimeProperties}. The Elasticsearch client is built here, not by
 * Boot: Boot's Elasticsearch auto-configuration (module spring-boot-elasticsearch, not on the class
 * path) targets the 9.x client, which our 8.19 servers refuse.
 */
@Configuration(proxyBeanMethods = false)
public class LoaderConfiguration {

  private static final Logger log = LoggerFactory.getLogger(LoaderConfiguration.class);
  static final String READ_COMMITTED = "read_committed";

  @Bean(destroyMethod = "close")
  RestClient elasticsearchRestClient(RealtimeProperties properties) {
    RealtimeProperties.Elasticsearch es = properties.elasticsearch();
    HttpHost[] hosts = es.urls().stream().map(u -> HttpHost.create(u.toString())).toArray(HttpHost[]::new);
    var builder = RestClient.builder(hosts)
        .setRequestConfigCallback(rc -> rc
            .setConnectTimeout((int) es.connectTimeout().toMillis())
            .setSocketTimeout((int) es.requestTimeout().toMillis()));
    if (es.username() != null && !es.username().isBlank()) {
      String token = Base64.getEncoder().encodeToString(
          (es.username() + ":" + (es.password() == null ? "" : es.password())).getBytes(StandardCharsets.UTF_8));
      builder.setDefaultHeaders(new Header[] {new BasicHeader("Authorization", "Basic " + token)});
    }
    return builder.build();
  }

  @Bean
  ElasticsearchClient elasticsearchClient(RestClient restClient) {
    return new ElasticsearchClient(new RestClientTransport(restClient, new Jackson3JsonpMapper()));
  }

  @Bean
  LoaderMetrics loaderMetrics(MeterRegistry registry) {
    return new LoaderMetrics(registry);
  }

  /**
   * How dead letters are sanitised: with the enrichment API's own classes and settings
   * ({@code millrace.enrichment.*}, read as the API reads them).
   */
  @Bean
  DeadLetterPrivacy deadLetterPrivacy(Environment environment) {
    DeadLetterPrivacy privacy = SharedEnrichmentConfig.privacy(environment);
    if (privacy.showsOriginals()) {
      log.info("dead letters: {}", privacy.description());
    } else {
      log.warn("dead letters: {}; give the loader the same MILLRACE_ENRICHMENT_* settings as the"
          + " enrichment API to see them pseudonymised", privacy.description());
    }
    return privacy;
  }

  @Bean
  DocumentMapper documentMapper(RealtimeProperties properties, DeadLetterPrivacy privacy) {
    return new DocumentMapper(properties.index(), JsonMapper.builder().build(), privacy);
  }

  @Bean(destroyMethod = "close")
  BulkSink bulkSink(RealtimeProperties properties, RestClient restClient, DocumentMapper mapper,
                    LoaderMetrics metrics) {
    return new BulkSink(new ElasticsearchBulkClient(restClient, JsonMapper.builder().build()), mapper,
        retryPolicy(properties),
        Sleeper.SYSTEM, metrics, properties.bulk().maxInFlight());
  }

  @Bean
  LoaderRunner loaderRunner(RealtimeProperties properties, ElasticsearchClient client,
                            DocumentMapper mapper, BulkSink sink, LoaderMetrics metrics,
                            MeterRegistry registry) {
    IndexTemplates templates = new IndexTemplates(properties.index(), JsonMapper.builder().build());
    RecordDecoder decoder = new RecordDecoder(properties.topics().enriched(), mapper);
    return new LoaderRunner(() -> templates.install(client), () -> {
      KafkaConsumer<String, byte[]> consumer = newConsumer(properties);
      new KafkaClientMetrics(consumer).bindTo(registry);
      RealtimeProperties.Bulk bulk = properties.bulk();
      return new LoaderLoop(consumer, properties.topics().all(), decoder, sink, bulk.maxActions(),
          bulk.maxBytes().toBytes(), bulk.linger(), bulk.maxInFlight(),
          properties.consumer().pollTimeout(), properties.consumer().shutdownTimeout(), metrics,
          System::nanoTime);
    }, retryPolicy(properties), properties.consumer().shutdownTimeout());
  }

  @Bean
  ElasticsearchHealthIndicator elasticsearchHealthIndicator(ElasticsearchClient client) {
    return new ElasticsearchHealthIndicator(client);
  }

  @Bean
  LoaderHealthIndicator loaderHealthIndicator(LoaderRunner runner, LoaderMetrics metrics,
                                              DeadLetterPrivacy privacy) {
    return new LoaderHealthIndicator(runner, metrics.status(), privacy);
  }

  /**
   * The consumer's settings: the pass-through map, then what the loader's guarantees require, set
   * last so that no pass-through key can change them ({@link RealtimeProperties} also refuses the
   * keys that try).
   */
  static Map<String, Object> consumerConfig(RealtimeProperties properties) {
    Map<String, Object> config = new HashMap<>(properties.kafka());
    config.putIfAbsent(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
    // A new group starts from the beginning: the loader must not skip what is already on the topics.
    config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.consumer().groupId());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // The enricher writes transactionally (exactly_once_v2): read_uncommitted would index records
    // of aborted transactions, and a dead letter written again after an abort (its id is the
    // topic-partition-offset it was read at) would be a second document.
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, READ_COMMITTED);
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return config;
  }

  static KafkaConsumer<String, byte[]> newConsumer(RealtimeProperties properties) {
    return new KafkaConsumer<>(consumerConfig(properties));
  }

  private static Backoff retryPolicy(RealtimeProperties properties) {
    return Backoff.jittered(properties.retry().initialBackoff(), properties.retry().maxBackoff());
  }
}
