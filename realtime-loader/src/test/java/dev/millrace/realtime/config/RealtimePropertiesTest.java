package dev.millrace.realtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.millrace.proto.WireNames;
import dev.millrace.realtime.RealtimeLoaderApplication;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.util.unit.DataSize;

class RealtimePropertiesTest {

  /** Starts the application with the given settings; it must fail while binding, before connecting. */
  static Throwable startupFailure(String... properties) {
    Throwable failure = catchThrowable(() -> RealtimeLoaderApplication.builder()
        .web(WebApplicationType.NONE)
        .properties(properties)
        .properties("spring.main.banner-mode=off", "logging.level.root=OFF")
        .run()
        .close());
    assertThat(failure).as("start-up must fail").isNotNull();
    return NestedExceptionUtils.getMostSpecificCause(failure);
  }

  @Test
  void defaultsAreTheWireContractsTopicsAndSafeLimits() {
    RealtimeProperties p = new Binder(new MapConfigurationPropertySource(Map.of("millrace.realtime.index.replicas", "0")))
        .bindOrCreate("millrace.realtime", Bindable.of(RealtimeProperties.class));

    assertThat(p.topics().all()).containsExactly(WireNames.ENRICHED_TOPIC,
        WireNames.COLLECTOR_DEAD_LETTER_TOPIC, WireNames.ENRICHER_DEAD_LETTER_TOPIC);
    assertThat(p.bulk().maxActions()).isEqualTo(1000);
    assertThat(p.bulk().maxBytes()).isEqualTo(DataSize.ofMegabytes(5));
    assertThat(p.bulk().linger()).isEqualTo(Duration.ofMillis(100));
    assertThat(p.index().refreshInterval()).isEqualTo(Duration.ofMillis(500))
        .isEqualTo(RealtimeProperties.Index.defaultRefreshInterval());
    assertThat(p.index().timeField()).isEqualTo(RealtimeProperties.TimeField.RECEIVED_AT);
    assertThat(p.index().replicas()).isZero();
    assertThat(p.elasticsearch().urls()).hasToString("[http://localhost:9200]");
  }

  @Test
  void aBadKeyFailsStartUpNamingTheKey() {
    Throwable cause = startupFailure("millrace.realtime.bulk.max-actions=0");

    assertThat(cause).isInstanceOf(BindValidationException.class);
    assertThat(((BindValidationException) cause).getValidationErrors().getAllErrors())
        .singleElement()
        .satisfies(e -> assertThat(e.getDefaultMessage()).isEqualTo("millrace.realtime.bulk.max-actions must be at least 1"));
  }

  @Test
  void rulesAcrossKeysFailStartUpWithTheExactMessage() {
    assertThat(startupFailure("millrace.realtime.retry.initial-backoff=20s", "millrace.realtime.retry.max-backoff=5s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("millrace.realtime.retry.initial-backoff (PT20S) must not exceed"
            + " millrace.realtime.retry.max-backoff (PT5S)");
    assertThat(startupFailure("millrace.realtime.retry.initial-backoff=0s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("millrace.realtime.retry.initial-backoff must be positive, was PT0S");
    assertThat(startupFailure("millrace.realtime.index.refresh-interval=-1ms"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("millrace.realtime.index.refresh-interval must be positive, was PT-0.001S");
    assertThat(startupFailure("millrace.realtime.kafka.enable.auto.commit=true"))
        .hasMessage("millrace.realtime.kafka.enable.auto.commit must not be true: the loader commits offsets"
            + " itself, only after a batch is indexed or dead-lettered");
  }

  @Test
  void anUnknownTimeFieldIsRefused() {
    assertThat(startupFailure("millrace.realtime.index.time-field=NOW")).hasMessageContaining("NOW");
  }

  @Test
  void theConsumerAlwaysReadsCommittedRecordsOnly() {
    RealtimeProperties defaults = new Binder(new MapConfigurationPropertySource(Map.of()))
        .bindOrCreate("millrace.realtime", Bindable.of(RealtimeProperties.class));
    RealtimeProperties explicit = new Binder(new MapConfigurationPropertySource(
        Map.of("millrace.realtime.kafka.isolation.level", "read_committed")))
        .bindOrCreate("millrace.realtime", Bindable.of(RealtimeProperties.class));

    assertThat(LoaderConfiguration.consumerConfig(defaults)).containsEntry("isolation.level", "read_committed");
    assertThat(LoaderConfiguration.consumerConfig(explicit)).containsEntry("isolation.level", "read_committed");
  }

  @Test
  void readUncommittedIsRefusedAtStartUp() {
    assertThat(startupFailure("millrace.realtime.kafka.isolation.level=read_uncommitted"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("millrace.realtime.kafka.isolation.level must be read_committed (was read_uncommitted)");
    assertThat(startupFailure("millrace.realtime.kafka.isolation.level=READ_UNCOMMITTED"))
        .hasMessageContaining("must be read_committed");
  }
}
