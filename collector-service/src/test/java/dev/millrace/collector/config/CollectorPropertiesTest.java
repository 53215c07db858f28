package dev.millrace.collector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.collector.CollectorApplication;
import dev.millrace.collector.auth.WriteKeys;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.validation.FieldError;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.unit.DataSize;

class CollectorPropertiesTest {

  private static final String HASH = WriteKeys.hash("secret");

  private static Map<String, Object> valid() {
    Map<String, Object> p = new HashMap<>();
    p.put("millrace.collector.write-keys.shop", HASH);
    p.put("millrace.collector.kafka.bootstrap.servers", "localhost:1");
    return p;
  }

  private static CollectorProperties bind(Map<String, Object> properties) {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources().addFirst(new MapPropertySource("test", properties));
    return Binder.get(env).bindOrCreate("millrace.collector", CollectorProperties.class);
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    CollectorProperties props = bind(valid());

    assertThat(props.partitionKey()).isEqualTo(PartitionKey.EVENT_ID);
    assertThat(props.topics().raw()).isEqualTo("millrace.raw");
    assertThat(props.topics().deadLetter()).isEqualTo("millrace.dead-letter.collector");
    assertThat(props.limits().maxBodyBytes()).isEqualTo(DataSize.ofMegabytes(8));
    assertThat(props.limits().maxBatchEvents()).isEqualTo(1000);
    assertThat(props.limits().maxEventBytes()).isEqualTo(DataSize.ofKilobytes(256));
    assertThat(props.limits().maxFutureSkew()).isEqualTo(Duration.ofMinutes(10));
    assertThat(props.limits().maxPastAge()).isEqualTo(Duration.ofDays(30));
    assertThat(props.grpc().port()).isEqualTo(9090);
    assertThat(props.maxInFlightBytes()).isEqualTo(DataSize.ofMegabytes(64));
    assertThat(props.memoryBudget()).isEqualTo(DataSize.ofMegabytes(128));
    assertThat(props.grpc().streamWindow()).isEqualTo(DataSize.ofMegabytes(8));
    assertThat(props.instanceId()).isNotBlank();
    assertThat(props.kafka()).containsEntry("bootstrap.servers", "localhost:1");
  }

  @Test
  void everyKeyWorksAsAnEnvironmentVariable() {
    Map<String, Object> env = Map.of(
        "MILLRACE_COLLECTOR_WRITEKEYS_SHOP", HASH,
        "MILLRACE_COLLECTOR_KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
        "MILLRACE_COLLECTOR_LIMITS_MAXBATCHEVENTS", "50",
        "MILLRACE_COLLECTOR_PARTITIONKEY", "USER_ID",
        "MILLRACE_COLLECTOR_TRUSTEDPROXIES", "10.0.0.0/8,192.168.0.1",
        "MILLRACE_COLLECTOR_GRPC_PORT", "9999",
        "MILLRACE_COLLECTOR_MEMORYBUDGET", "256MB",
        "MILLRACE_COLLECTOR_GRPC_STREAMWINDOW", "2MB");
    Binder binder = new Binder(ConfigurationPropertySources.from(
        new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env)));

    CollectorProperties props = binder.bindOrCreate("millrace.collector", CollectorProperties.class);

    assertThat(props.writeKeys()).containsEntry("shop", HASH);
    assertThat(props.kafka()).containsEntry("bootstrap.servers", "broker:9092");
    assertThat(props.limits().maxBatchEvents()).isEqualTo(50);
    assertThat(props.partitionKey()).isEqualTo(PartitionKey.USER_ID);
    assertThat(props.trustedProxies()).containsExactly("10.0.0.0/8", "192.168.0.1");
    assertThat(props.grpc().port()).isEqualTo(9999);
    assertThat(props.memoryBudget()).isEqualTo(DataSize.ofMegabytes(256));
    assertThat(props.grpc().streamWindow()).isEqualTo(DataSize.ofMegabytes(2));
  }

  @Test
  void startUpFailsNamingTheBadKey() {
    Map<String, Object> p = valid();
    p.put("millrace.collector.write-keys.shop", "not-a-hash");
    p.put("server.port", "0");
    p.put("millrace.collector.grpc.port", "0");

    assertThatThrownBy(() -> CollectorApplication.start(p).close())
        .rootCause()
        .hasMessage("millrace.collector.write-keys.shop must be the SHA-256 of the key as 64 lower-case hex digits");
  }

  @Test
  void singleKeyRulesFailStartUpNamingTheKey() {
    Map<String, Object> p = valid();
    p.put("millrace.collector.limits.max-batch-events", "0");
    p.put("server.port", "0");
    p.put("millrace.collector.grpc.port", "0");

    assertThatThrownBy(() -> CollectorApplication.start(p).close())
        .rootCause()
        .isInstanceOfSatisfying(BindValidationException.class, e -> {
          assertThat(e.getValidationErrors().getName().toString()).isEqualTo("millrace.collector");
          assertThat(e.getValidationErrors().getAllErrors()).singleElement().satisfies(error -> {
            assertThat(((FieldError) error).getField()).isEqualTo("limits.maxBatchEvents");
            assertThat(error.getDefaultMessage()).isEqualTo("must be greater than or equal to 1");
          });
        });
  }

  @Test
  void crossKeyRulesNameBothKeys() {
    Map<String, Object> p = valid();
    p.put("millrace.collector.limits.max-event-bytes", "16MB");

    assertThatThrownBy(() -> bind(p)).rootCause().hasMessage(
        "millrace.collector.limits.max-event-bytes (16777216 bytes) must not exceed millrace.collector.limits.max-body-bytes (8388608 bytes)");
  }

  @Test
  void theMemoryBudgetMustHoldTheLargestRequestBesideAStreamWindow() {
    Map<String, Object> p = valid();
    p.put("millrace.collector.memory-budget", "16MB");
    p.put("server.port", "0");
    p.put("millrace.collector.grpc.port", "0");

    assertThatThrownBy(() -> CollectorApplication.start(p).close()).rootCause().hasMessage(
        "millrace.collector.memory-budget (16777216 bytes) must be at least 4 times "
            + "millrace.collector.limits.max-body-bytes (8388608 bytes) plus millrace.collector.grpc.stream-window "
            + "(8388608 bytes), 41943040 bytes: a request of the largest size holds up to 4 times its size at once, "
            + "and must fit beside one stream's window");

    Map<String, Object> grpc = valid();
    grpc.put("millrace.collector.grpc.max-inbound-message-bytes", "32MB");
    assertThatThrownBy(() -> bind(grpc)).rootCause().hasMessageStartingWith(
        "millrace.collector.memory-budget (134217728 bytes) must be at least 4 times "
            + "millrace.collector.grpc.max-inbound-message-bytes (33554432 bytes) plus");

    Map<String, Object> exact = valid();
    exact.put("millrace.collector.memory-budget", "40MB");
    assertThat(bind(exact).memoryBudget()).isEqualTo(DataSize.ofMegabytes(40));
  }

  @Test
  void theDeliveryPromiseCannotBeConfiguredAway() {
    Map<String, Object> p = valid();
    p.put("millrace.collector.kafka.acks", "1");

    assertThatThrownBy(() -> bind(p)).rootCause().hasMessage(
        "millrace.collector.kafka.acks must be all (or -1): a 2xx promises the event is durably in Kafka");
  }

  @Test
  void otherRulesFailWithTheirKey() {
    assertThatThrownBy(() -> bind(with("millrace.collector.trusted-proxies[0]", "10.0.0.0/33")))
        .rootCause().hasMessage("millrace.collector.trusted-proxies[0] has a prefix length outside 0-32: '10.0.0.0/33'");
    assertThatThrownBy(() -> bind(with("millrace.collector.kafka.bootstrap.servers", " ")))
        .rootCause().hasMessage("millrace.collector.kafka.bootstrap.servers is required");
    Map<String, Object> noKeys = valid();
    noKeys.remove("millrace.collector.write-keys.shop");
    assertThatThrownBy(() -> bind(noKeys)).rootCause().hasMessage(
        "millrace.collector.write-keys must map at least one key id to the SHA-256 of its key");
  }

  private static Map<String, Object> with(String key, String value) {
    Map<String, Object> p = valid();
    p.put(key, value);
    return p;
  }
}
