package dev.millrace.enrichment.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.config.EnrichmentSwitch;
import dev.millrace.proto.v1.Campaign;
import dev.millrace.proto.v1.ClickIdType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CampaignExtractorTest {

  private final CampaignExtractor defaults =
      new CampaignExtractor(EnrichmentConfig.builder().piiKey("k".repeat(32)).build().campaign());

  @Test
  void readsEveryUtmParameter() {
    Campaign campaign = defaults.extract("https://shop.example.com/spring-sale?utm_source=newsletter"
        + "&utm_medium=email&utm_campaign=spring_sale_2026&utm_term=running+shoes&utm_content=hero-banner")
        .orElseThrow();

    assertThat(campaign.getSource()).isEqualTo("newsletter");
    assertThat(campaign.getMedium()).isEqualTo("email");
    assertThat(campaign.getName()).isEqualTo("spring_sale_2026");
    assertThat(campaign.getTerm()).isEqualTo("running shoes");
    assertThat(campaign.getContent()).isEqualTo("hero-banner");
    assertThat(campaign.getClickIdType()).isEqualTo(ClickIdType.CLICK_ID_TYPE_UNSPECIFIED);
  }

  @Test
  void decodesPercentEscapesAndIgnoresParameterNameCase() {
    Campaign campaign = defaults.extract("https://example.com/?UTM_Source=Caf%C3%A9%20Bleu&utm_medium=cpc")
        .orElseThrow();

    assertThat(campaign.getSource()).isEqualTo("Café Bleu");
    assertThat(campaign.getMedium()).isEqualTo("cpc");
  }

  @Test
  void readsEachClickIdKind() {
    assertThat(defaults.extract("https://example.com/p?gclid=EAIaIQobChMI8").orElseThrow())
        .extracting(Campaign::getClickIdType, Campaign::getClickId)
        .containsExactly(ClickIdType.CLICK_ID_TYPE_GCLID, "EAIaIQobChMI8");
    assertThat(defaults.extract("https://example.com/p?msclkid=1a2b3c").orElseThrow().getClickIdType())
        .isEqualTo(ClickIdType.CLICK_ID_TYPE_MSCLKID);
    assertThat(defaults.extract("https://example.com/p?fbclid=IwAR2x").orElseThrow().getClickIdType())
        .isEqualTo(ClickIdType.CLICK_ID_TYPE_FBCLID);
    assertThat(defaults.extract("https://example.com/p?dclid=CJ7x").orElseThrow().getClickIdType())
        .isEqualTo(ClickIdType.CLICK_ID_TYPE_DCLID);
  }

  @Test
  void theFirstClickIdInConfiguredOrderWins() {
    Campaign campaign = defaults.extract("https://example.com/?fbclid=fb1&gclid=g1").orElseThrow();

    assertThat(campaign.getClickIdType()).isEqualTo(ClickIdType.CLICK_ID_TYPE_GCLID);
    assertThat(campaign.getClickId()).isEqualTo("g1");
  }

  @Test
  void readsParametersFromASinglePageAppFragment() {
    Campaign campaign = defaults.extract("https://app.example.com/#/checkout?utm_source=partner&gclid=abc")
        .orElseThrow();

    assertThat(campaign.getSource()).isEqualTo("partner");
    assertThat(campaign.getClickId()).isEqualTo("abc");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "https://example.com/",
      "https://example.com/search?q=shoes&page=2",
      "",
      "not a url at all",
      "https://example.com/?utm_source=",
      "https://example.com/?utm_source&utm_medium"
  })
  void noCampaignWhenTheUrlCarriesNone(String url) {
    assertThat(defaults.extract(url)).isEmpty();
  }

  @Test
  void malformedUrlsStillGiveWhatCanBeRead() {
    Campaign campaign = defaults.extract("htp:/broken url with spaces?utm_source=bad%zzescape&&=x&utm_medium=social")
        .orElseThrow();

    assertThat(campaign.getSource()).isEqualTo("bad%zzescape");
    assertThat(campaign.getMedium()).isEqualTo("social");
  }

  @Test
  void configuredAliasesAreReadInOrder() {
    Map<String, EnrichmentConfig.ClickId> clickIds = new LinkedHashMap<>();
    clickIds.put("ttclid", EnrichmentConfig.ClickId.GCLID);
    CampaignExtractor custom = new CampaignExtractor(new EnrichmentConfig.Campaign(EnrichmentSwitch.ENABLED,
        List.of("utm_source", "src", "ref"), null, List.of("cmp"), null, null, clickIds));

    Campaign campaign = custom.extract("https://example.com/?ref=friend&src=partner&cmp=winter&ttclid=t1&gclid=g1")
        .orElseThrow();

    assertThat(campaign.getSource()).as("first configured alias present").isEqualTo("partner");
    assertThat(campaign.getName()).isEqualTo("winter");
    assertThat(campaign.getClickId()).as("only configured click ids count").isEqualTo("t1");
  }
}
