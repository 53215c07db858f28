package dev.millrace.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.config.EnrichmentSwitch;
import dev.millrace.enrichment.useragent.SharedParser;
import dev.millrace.proto.v1.ClickIdType;
import dev.millrace.proto.v1.EnrichErrorCode;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.Enrichment;
import dev.millrace.proto.v1.ReferrerClass;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class EnrichmentsTest {

  static final String KEY = "enrichments-test-key-0123456789abcdef";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private Enrichments enrichments(EnrichmentConfig config) {
    return Enrichments.create(config, registry, SharedParser.get());
  }

  @Test
  void anItemGetsEveryEnrichmentAndItsPersonalDataReplaced() {
    Enrichments enrichments = enrichments(EnrichmentConfig.builder().piiKey(KEY, "$.email").build());

    EnrichResult result = enrichments.enrich(Items.pageView("e-1"));

    assertThat(result.getItemId()).isEqualTo("e-1");
    Enrichment enrichment = result.getEnrichment();
    assertThat(enrichment.getAppliedList())
        .containsExactly("user_agent", "campaign", "referrer", "ip", "pii", "bot");
    assertThat(enrichment.getEnrichmentVersion()).isEqualTo(enrichments.version())
        .startsWith(Enrichments.RULES_VERSION + "+referrers.");
    assertThat(enrichment.getUserAgent().getAgentName()).isEqualTo("Chrome");
    assertThat(enrichment.getCampaign().getSource()).isEqualTo("google");
    assertThat(enrichment.getCampaign().getClickIdType()).isEqualTo(ClickIdType.CLICK_ID_TYPE_GCLID);
    assertThat(enrichment.getReferrer().getReferrerClass()).isEqualTo(ReferrerClass.REFERRER_CLASS_SEARCH);
    assertThat(enrichment.getReferrer().getSearchTerm()).isEqualTo("trail shoes");
    assertThat(enrichment.getAnonymizedIp()).as("the user's IP, not the producer's").isEqualTo("203.0.113.0");
    assertThat(enrichment.getBot().getIsBot()).isFalse();
    assertThat(enrichment.getBot().getModelVersion()).isNotEmpty();

    assertThat(result.getAnonymizedClientIp()).isEqualTo("198.51.100.0");
    assertThat(result.getPseudonymizedContext().getIp()).isEqualTo("203.0.113.0");
    assertThat(result.getPseudonymizedContext().getUserId()).hasSize(64).isNotEqualTo("user-42");
    assertThat(result.getPseudonymizedContext().getAnonymousId()).as("not configured").isEqualTo("anon-7");
    assertThat(result.getPseudonymizedPayloadJson()).doesNotContain("alice").contains("\"price\":12.50");
  }

  @Test
  void aBadItemGetsItsOwnErrorNamingTheEnrichment() {
    Enrichments enrichments = enrichments(EnrichmentConfig.builder().piiKey(KEY, "$.email").build());

    EnrichResult result = enrichments.enrich(Items.pageView("e-2").toBuilder()
        .setPayloadJson("\"just a string\"").build());

    assertThat(result.getItemId()).isEqualTo("e-2");
    assertThat(result.hasEnrichment()).isFalse();
    assertThat(result.getError().getCode()).isEqualTo(EnrichErrorCode.ENRICH_ERROR_CODE_INVALID_INPUT);
    assertThat(result.getError().getEnrichment()).isEqualTo("pii");
    assertThat(result.getError().getMessage()).isEqualTo("payload_json is not a JSON object");
    assertThat(registry.get("millrace.enrichment.errors").tags("enrichment", "pii", "reason", "payload_not_object")
        .counter().count()).isEqualTo(1.0);
    assertThat(registry.get("millrace.enrichment.items").tag("outcome", "failed").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void anInvalidIpIsDroppedOrFailsTheItemAsConfigured() {
    EnrichItem item = Items.pageView("e-3").toBuilder()
        .setContext(Items.pageView("e-3").getContext().toBuilder().setIp("not-an-ip")).build();

    EnrichResult dropped = enrichments(EnrichmentConfig.builder().piiKey(KEY).build()).enrich(item);
    EnrichResult failed = enrichments(EnrichmentConfig.builder().piiKey(KEY)
        .ip(new EnrichmentConfig.Ip(null, null, null, EnrichmentConfig.OnInvalidIp.FAIL_ITEM)).build())
        .enrich(item);

    assertThat(dropped.getPseudonymizedContext().getIp()).isEmpty();
    assertThat(dropped.getEnrichment().getAnonymizedIp()).as("falls back to the client IP").isEqualTo("198.51.100.0");
    assertThat(failed.getError().getEnrichment()).isEqualTo("ip");
    assertThat(failed.getError().getMessage()).isEqualTo("context.ip is not an IPv4 or IPv6 address");
  }

  @Test
  void switchedOffEnrichmentsLeaveTheirFieldsEmptyAndTheInputAsItCame() {
    EnrichmentConfig config = EnrichmentConfig.builder()
        .userAgent(new EnrichmentConfig.UserAgent(EnrichmentSwitch.DISABLED, null, null))
        .campaign(new EnrichmentConfig.Campaign(EnrichmentSwitch.DISABLED, null, null, null, null, null, null))
        .referrer(new EnrichmentConfig.Referrer(EnrichmentSwitch.DISABLED, null, null))
        .ip(new EnrichmentConfig.Ip(EnrichmentSwitch.DISABLED, null, null, null))
        .pii(new EnrichmentConfig.Pii(EnrichmentSwitch.DISABLED, null, null, null, null, null, null))
        .bot(new EnrichmentConfig.Bot(EnrichmentSwitch.DISABLED, null))
        .build();
    EnrichItem item = Items.pageView("e-4");

    EnrichResult result = Enrichments.create(config, registry).enrich(item);

    assertThat(result.getEnrichment().getAppliedList()).isEmpty();
    assertThat(result.getEnrichment().hasUserAgent()).isFalse();
    assertThat(result.getEnrichment().hasCampaign()).isFalse();
    assertThat(result.getEnrichment().hasReferrer()).isFalse();
    assertThat(result.getEnrichment().hasBot()).isFalse();
    assertThat(result.getEnrichment().getEnrichmentVersion()).isEqualTo(Enrichments.RULES_VERSION);
    assertThat(result.getPseudonymizedContext()).isEqualTo(item.getContext());
    assertThat(result.getPseudonymizedPayloadJson()).isEqualTo(item.getPayloadJson());
  }

  @Test
  void anItemWithNothingButAnIdIsEnriched() {
    EnrichResult result = enrichments(EnrichmentConfig.builder().piiKey(KEY, "$.email").build())
        .enrich(EnrichItem.newBuilder().setItemId("bare").build());

    assertThat(result.hasEnrichment()).isTrue();
    assertThat(result.getEnrichment().hasUserAgent()).isFalse();
    assertThat(result.getEnrichment().hasReferrer()).isFalse();
    assertThat(result.getEnrichment().getBot().getIsBot()).as("no user agent, no context").isTrue();
  }
}
