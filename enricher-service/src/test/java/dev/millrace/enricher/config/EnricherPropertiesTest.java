package dev.millrace.enricher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.millrace.enricher.EnricherApplication;
import dev.millrace.enricher.enrich.OnUnavailable;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

class EnricherPropertiesTest {

  private static EnricherProperties bind(Map<String, String> values) {
    LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean();
    validator.afterPropertiesSet();
    return new Binder(new MapConfigurationPropertySource(values))
        .bindOrCreate("millrace.enricher", Bindable.of(EnricherProperties.class), new ValidationBindHandler(validator));
  }

  private static String messageOf(Map<String, String> values) {
    Throwable t = catchThrowable(() -> bind(values));
    assertThat(t).isInstanceOf(BindException.class);
    BindValidationException v = (BindValidationException) t.getCause();
    assertThat(v.getValidationErrors().getAllErrors()).hasSize(1);
    return v.getValidationErrors().getAllErrors().get(0).getDefaultMessage();
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    EnricherProperties p = bind(Map.of());
    assertThat(p.topics().raw()).isEqualTo("millrace.raw");
    assertThat(p.topics().enriched()).isEqualTo("millrace.enriched");
    assertThat(p.topics().deadLetter()).isEqualTo("millrace.dead-letter.enricher");
    assertThat(p.schemas().location()).isEqualTo("classpath:schemas");
    assertThat(p.enrichment().onUnavailable()).isEqualTo(OnUnavailable.WAIT);
    assertThat(p.enrichment().batchSize()).isEqualTo(500);
    assertThat(p.enrichment().deadline()).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.streams().standbyReplicas()).isZero();
  }

  @Test
  void theTopologyKeepsItsRecordsUnderTheProducersMaxRequestSize() {
    assertThat(EnricherConfiguration.options(bind(Map.of())).maxRecordBytes()).isEqualTo(1024 * 1024);
    assertThat(EnricherConfiguration.options(bind(Map.of("millrace.enricher.kafka.max.request.size", "2000000")))
        .maxRecordBytes()).isEqualTo(2_000_000);
    assertThat(EnricherConfiguration.options(bind(Map.of("millrace.enricher.kafka.max.request.size", "2000000",
        "millrace.enricher.kafka.producer.max.request.size", "3000000"))).maxRecordBytes())
        .as("the producer-prefixed key wins, as in Kafka Streams").isEqualTo(3_000_000);
  }

  @Test
  void aBadValueIsRefusedNamingItsKey() {
    assertThat(messageOf(Map.of("millrace.enricher.enrichment.batch-size", "0")))
        .isEqualTo("millrace.enricher.enrichment.batch-size must be between 1 and 10000");
    assertThat(messageOf(Map.of("millrace.enricher.streams.standby-replicas", "9")))
        .isEqualTo("millrace.enricher.streams.standby-replicas must be between 0 and 5");
    assertThat(messageOf(Map.of("millrace.enricher.enrichment.max-block", "30s")))
        .isEqualTo("millrace.enricher.enrichment.max-block must be between 0ms and 5s");
  }

  @Test
  void rulesAcrossKeysAreChecked() {
    assertThat(messageOf(Map.of("millrace.enricher.enrichment.batch-size", "1000",
        "millrace.enricher.enrichment.max-pending", "999")))
        .isEqualTo("millrace.enricher.enrichment.max-pending must be at least millrace.enricher.enrichment.batch-size");
    assertThat(messageOf(Map.of("millrace.enricher.kafka.processing.guarantee", "at_least_once")))
        .startsWith("millrace.enricher.kafka.processing.guarantee must be exactly_once_v2");
  }

  @Test
  void anUnknownBehaviourIsRefused() {
    Throwable t = catchThrowable(() -> bind(Map.of("millrace.enricher.enrichment.on-unavailable", "DROP")));
    assertThat(t).isInstanceOf(BindException.class)
        .hasMessage("Failed to bind properties under 'millrace.enricher.enrichment.on-unavailable' to "
            + OnUnavailable.class.getName());
  }

  @Test
  void theServiceDoesNotStartWithABadValue() {
    Throwable t = catchThrowable(() -> EnricherApplication.builder().web(WebApplicationType.NONE)
        .run("--millrace.enricher.enrichment.batch-size=0",
        "--millrace.enricher.bootstrap-servers=127.0.0.1:1"));
    Throwable root = t;
    while (root.getCause() != null && !(root instanceof BindValidationException)) {
      root = root.getCause();
    }
    assertThat(root).isInstanceOf(BindValidationException.class);
    assertThat(((BindValidationException) root).getValidationErrors().getAllErrors())
        .extracting(e -> e.getDefaultMessage())
        .containsExactly("millrace.enricher.enrichment.batch-size must be between 1 and 10000");
  }

  @Test
  void kafkaKeysPassStraightToKafkaStreamsAndExactlyOnceIsOn() {
    EnricherProperties p = bind(Map.of("millrace.enricher.kafka.max.poll.records", "200",
        "millrace.enricher.streams.standby-replicas", "1"));
    Properties props = StreamsSettings.of(p);
    assertThat(props.get("max.poll.records")).isEqualTo("200");
    assertThat(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
    assertThat(props.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
  }

  @Test
  void theProducerBatchesBigEnoughForEnrichedEventsUnlessTold() {
    Properties defaults = StreamsSettings.of(bind(Map.of()));
    Properties told = StreamsSettings.of(bind(Map.of("millrace.enricher.kafka.producer.batch.size", "65536")));

    assertThat(new StreamsConfig(defaults).getProducerConfigs("c").get(ProducerConfig.BATCH_SIZE_CONFIG))
        .isEqualTo(256 * 1024);
    assertThat(new StreamsConfig(told).getProducerConfigs("c").get(ProducerConfig.BATCH_SIZE_CONFIG))
        .isEqualTo("65536");
  }
}
