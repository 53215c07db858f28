package dev.millrace.enrichment.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class EnrichmentConfigTest {

  private static final String KEY = "0123456789abcdef0123456789abcdef";

  private static EnrichmentConfig bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate(EnrichmentConfig.PREFIX, EnrichmentConfig.class);
  }

  @Test
  void absentKeysTakeTheDocumentedDefaults() {
    EnrichmentConfig config = bind(Map.of("millrace.enrichment.pii.key", KEY));

    assertThat(config.grpc().port()).isEqualTo(9091);
    assertThat(config.grpc().shutdownGrace()).isEqualTo(Duration.ofSeconds(20));
    assertThat(config.userAgent().mode()).isEqualTo(EnrichmentSwitch.ENABLED);
    assertThat(config.userAgent().cacheSize()).isEqualTo(20_000);
    assertThat(config.campaign().sourceParameters()).containsExactly("utm_source");
    assertThat(config.campaign().clickIdParameters()).containsOnlyKeys("gclid", "msclkid", "fbclid", "dclid");
    assertThat(config.ip().ipv4OctetsKept()).isEqualTo(3);
    assertThat(config.ip().ipv6BitsKept()).isEqualTo(48);
    assertThat(config.pii().contextFields()).containsExactly(EnrichmentConfig.ContextField.USER_ID);
    assertThat(config).isEqualTo(EnrichmentConfig.builder().piiKey(KEY).build());
  }

  @Test
  void keysBindFromTheirRelaxedNames() {
    Map<String, String> properties = new HashMap<>();
    properties.put("millrace.enrichment.pii.key", KEY);
    properties.put("millrace.enrichment.user-agent.cache-size", "500");
    properties.put("millrace.enrichment.ip.ipv6-bits-kept", "64");
    properties.put("millrace.enrichment.ip.on-invalid", "fail-item");
    properties.put("millrace.enrichment.referrer.internal-domains", "Shop.Example, example.net");
    properties.put("millrace.enrichment.pii.payload-paths[0]", "$.email");
    properties.put("millrace.enrichment.pii.payload-paths-by-type.signup[0]", "$.phone");
    properties.put("millrace.enrichment.bot.mode", "disabled");

    EnrichmentConfig config = bind(properties);

    assertThat(config.userAgent().cacheSize()).isEqualTo(500);
    assertThat(config.ip().ipv6BitsKept()).isEqualTo(64);
    assertThat(config.ip().onInvalid()).isEqualTo(EnrichmentConfig.OnInvalidIp.FAIL_ITEM);
    assertThat(config.referrer().internalDomains()).containsExactly("shop.example", "example.net");
    assertThat(config.pii().payloadPaths()).containsExactly("$.email");
    assertThat(config.pii().payloadPathsByType()).containsEntry("signup", java.util.List.of("$.phone"));
    assertThat(config.bot().mode()).isEqualTo(EnrichmentSwitch.DISABLED);
  }

  @Test
  void aBadValueFailsStartUpNamingTheKey() {
    assertThatThrownBy(() -> bind(Map.of("millrace.enrichment.pii.key", KEY,
        "millrace.enrichment.ip.ipv4-octets-kept", "5")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("millrace.enrichment.ip.ipv4-octets-kept must be between 0 and 4 (was 5)");
  }

  @Test
  void piiOnWithoutAKeyFailsStartUpNamingTheKeyAndItsVariable() {
    assertThatThrownBy(() -> bind(Map.of()))
        .rootCause()
        .hasMessage("millrace.enrichment.pii.key must be set (environment variable "
            + "MILLRACE_ENRICHMENT_PII_KEY) when millrace.enrichment.pii.mode is ENABLED");
  }

  @Test
  void aShortKeyIsRefusedWithoutPrintingIt() {
    assertThatThrownBy(() -> EnrichmentConfig.builder().piiKey("hunter2").build())
        .hasMessage("millrace.enrichment.pii.key must be at least 32 bytes long (it has 7)");
  }

  @Test
  void piiOffNeedsNoKey() {
    EnrichmentConfig config = bind(Map.of("millrace.enrichment.pii.mode", "DISABLED"));

    assertThat(config.pii().mode()).isEqualTo(EnrichmentSwitch.DISABLED);
  }

  @Test
  void aBadPayloadPathFailsNamingItsIndex() {
    assertThatThrownBy(() -> EnrichmentConfig.builder().piiKey(KEY, "$.email", "user.email").build())
        .hasMessage("millrace.enrichment.pii.payload-paths[1] is not a supported JSON path: must start with '$'");
  }

  @Test
  void aBadInternalDomainFailsNamingItsIndex() {
    assertThatThrownBy(() -> bind(Map.of("millrace.enrichment.pii.key", KEY,
        "millrace.enrichment.referrer.internal-domains", "shop.example,https://x.example/")))
        .rootCause()
        .hasMessage("millrace.enrichment.referrer.internal-domains[1] must be a host name such as "
            + "example.com (was https://x.example/)");
  }
}
