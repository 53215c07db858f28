package dev.millrace.enrichment.campaign;

import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.url.Urls;
import dev.millrace.proto.v1.Campaign;
import dev.millrace.proto.v1.ClickIdType;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Campaign attribution from the page URL: the configured utm_* parameters (or their aliases) and
 * the first click id found, in the configured order.
 */
public final class CampaignExtractor {

  private final EnrichmentConfig.Campaign config;
  private final Set<String> wanted = new HashSet<>();

  public CampaignExtractor(EnrichmentConfig.Campaign config) {
    this.config = config;
    wanted.addAll(config.sourceParameters());
    wanted.addAll(config.mediumParameters());
    wanted.addAll(config.nameParameters());
    wanted.addAll(config.termParameters());
    wanted.addAll(config.contentParameters());
    wanted.addAll(config.clickIdParameters().keySet());
  }

  /** The campaign in the URL, or empty when the URL carries none of the parameters. */
  public Optional<Campaign> extract(String pageUrl) {
    if (pageUrl.isEmpty() || pageUrl.indexOf('?') < 0) {
      return Optional.empty();
    }
    Map<String, String> found = Urls.queryParameters(pageUrl, wanted);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Campaign.Builder campaign = Campaign.newBuilder()
        .setSource(first(found, config.sourceParameters()))
        .setMedium(first(found, config.mediumParameters()))
        .setName(first(found, config.nameParameters()))
        .setTerm(first(found, config.termParameters()))
        .setContent(first(found, config.contentParameters()));
    for (Map.Entry<String, EnrichmentConfig.ClickId> clickId : config.clickIdParameters().entrySet()) {
      String value = found.get(clickId.getKey());
      if (value != null) {
        campaign.setClickId(value).setClickIdType(wire(clickId.getValue()));
        break;
      }
    }
    return Optional.of(campaign.build());
  }

  private static String first(Map<String, String> found, List<String> names) {
    for (String name : names) {
      String value = found.get(name);
      if (value != null) {
        return value;
      }
    }
    return "";
  }

  private static ClickIdType wire(EnrichmentConfig.ClickId clickId) {
    return switch (clickId) {
      case GCLID -> ClickIdType.CLICK_ID_TYPE_GCLID;
      case MSCLKID -> ClickIdType.CLICK_ID_TYPE_MSCLKID;
      case FBCLID -> ClickIdType.CLICK_ID_TYPE_FBCLID;
      case DCLID -> ClickIdType.CLICK_ID_TYPE_DCLID;
    };
  }
}
