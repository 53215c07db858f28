package dev.millrace.realtime.config;

import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.config.EnrichmentSwitch;
import dev.millrace.realtime.privacy.DeadLetterPrivacy;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The enrichment API's own settings, read by the loader: the same record
 * ({@link EnrichmentConfig}), under the same prefix ({@code millrace.enrichment}), from the same
 * keys, so {@code MILLRACE_ENRICHMENT_PII_KEY}, {@code MILLRACE_ENRICHMENT_PII_PAYLOADPATHS_0_},
 * {@code MILLRACE_ENRICHMENT_IP_IPV4OCTETSKEPT} and the rest mean the same to both services. Give
 * both the same variables (one secret, one config map): there is no loader copy of any of them
 * that could drift. {@code EnrichmentConfigSharingTest} boots the API and checks that both read
 * the same settings from the same variables and pseudonymise alike.
 *
 * <p>A setting the API would refuse fails the loader's start-up with the API's message. One case
 * does not: PII pseudonymisation on (the default) without a key. The API cannot start without it;
 * the loader can still do its work, so it starts and withholds every dead letter's original from
 * the index (never indexing it raw), logs a warning and says so in its health details.
 */
public final class SharedEnrichmentConfig {

  private SharedEnrichmentConfig() {}

  /** The enrichment API's settings as bound from {@code environment}, as the API binds them. */
  public static EnrichmentConfig bind(Environment environment) {
    return Binder.get(environment).bindOrCreate(EnrichmentConfig.PREFIX, Bindable.of(EnrichmentConfig.class));
  }

  /** How dead letters are sanitised under the enrichment settings of {@code environment}. */
  public static DeadLetterPrivacy privacy(Environment environment) {
    Binder binder = Binder.get(environment);
    EnrichmentSwitch mode = binder.bind(EnrichmentConfig.PREFIX + ".pii.mode", EnrichmentSwitch.class).orElse(EnrichmentSwitch.ENABLED);
    String key = binder.bind(EnrichmentConfig.PREFIX + ".pii.key", String.class).orElse("");
    if (mode.on() && key.isBlank()) {
      return DeadLetterPrivacy.withoutPiiKey(
          binder.bindOrCreate(EnrichmentConfig.PREFIX + ".ip", Bindable.of(EnrichmentConfig.Ip.class)));
    }
    return DeadLetterPrivacy.of(bind(environment));
  }
}
