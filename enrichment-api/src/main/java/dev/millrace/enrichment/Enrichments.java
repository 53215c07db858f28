package dev.millrace.enrichment;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.millrace.enrichment.EnrichmentMetrics.Step;
import dev.millrace.enrichment.bot.BotModel;
import dev.millrace.enrichment.bot.BotScorer;
import dev.millrace.enrichment.campaign.CampaignExtractor;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.config.EnrichmentConfig.OnInvalidIp;
import dev.millrace.enrichment.ip.IpAnonymizer;
import dev.millrace.enrichment.pii.Pseudonymizer;
import dev.millrace.enrichment.referrer.ReferrerClassifier;
import dev.millrace.enrichment.referrer.ReferrerList;
import dev.millrace.enrichment.useragent.ParsedUserAgent;
import dev.millrace.enrichment.useragent.UserAgentParser;
import dev.millrace.proto.v1.Campaign;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichError;
import dev.millrace.proto.v1.EnrichErrorCode;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.Enrichment;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every enrichment, built once from the configuration, applied to one item at a time. Thread-safe:
 * one instance serves all calls.
 */
public final class Enrichments implements ItemEnricher {

  /**
   * Version of the rules in this code. Bump the minor version when an output changes for the same
   * input, the major when a field's meaning changes. The result's {@code enrichment_version} adds
   * the referrer list's version as build metadata, e.g. {@code 1.0.0+referrers.2026.11.0}.
   */
  public static final String RULES_VERSION = "1.0.0";

  private static final Logger log = LoggerFactory.getLogger(Enrichments.class);

  private final EnrichmentConfig config;
  private final EnrichmentMetrics metrics;
  private final UserAgentParser userAgents;
  private final CampaignExtractor campaigns;
  private final ReferrerClassifier referrers;
  private final IpAnonymizer ips;
  private final Pseudonymizer pii;
  private final BotScorer bots;
  private final String version;

  private Enrichments(EnrichmentConfig config, EnrichmentMetrics metrics, UserAgentParser userAgents) {
    this.config = config;
    this.metrics = metrics;
    this.userAgents = userAgents;
    this.campaigns = config.campaign().mode().on() ? new CampaignExtractor(config.campaign()) : null;
    this.referrers = config.referrer().mode().on()
        ? new ReferrerClassifier(ReferrerList.load(config.referrer().listFile()),
            config.referrer().internalDomains())
        : null;
    this.ips = config.ip().mode().on()
        ? new IpAnonymizer(config.ip().ipv4OctetsKept(), config.ip().ipv6BitsKept()) : null;
    this.pii = config.pii().mode().on() ? new Pseudonymizer(config.pii()) : null;
    this.bots = config.bot().mode().on()
        ? new BotScorer(BotModel.load(config.bot().modelFile())) : null;
    this.version = referrers == null ? RULES_VERSION
        : RULES_VERSION + "+referrers." + referrers.listVersion();
    if (pii != null) {
      pii.cache().ifPresent(cache -> CaffeineCacheMetrics.monitor(metrics.registry(), cache, "pii"));
    }
    if (userAgents != null) {
      CaffeineCacheMetrics.monitor(metrics.registry(), userAgents.cache(), "useragent");
      Gauge.builder("millrace.enrichment.useragent.cache.hit.ratio", userAgents,
              u -> u.cacheStats().hitRate())
          .description("Share of user-agent lookups answered by the cache since start")
          .register(metrics.registry());
    }
  }

  /**
   * Builds every enabled enrichment. Takes seconds when the user agent or bot enrichment is on
   * (YAUAA builds its matchers); share the instance.
   *
   * @throws IllegalArgumentException when the referrer list or bot model file is unreadable or invalid
   */
  public static Enrichments create(EnrichmentConfig config, MeterRegistry registry) {
    return create(config, registry, null);
  }

  /**
   * As {@link #create(EnrichmentConfig, MeterRegistry)}, reusing an already built parser (tests
   * and benchmarks build YAUAA once per JVM); null builds one when needed.
   */
  public static Enrichments create(EnrichmentConfig config, MeterRegistry registry,
                                   UserAgentParser sharedParser) {
    UserAgentParser parser = null;
    if (config.userAgent().mode().on() || config.bot().mode().on()) {
      parser = sharedParser != null ? sharedParser
          : new UserAgentParser(config.userAgent().cacheSize(), config.userAgent().maxLength());
    }
    Enrichments enrichments = new Enrichments(config, new EnrichmentMetrics(registry), parser);
    log.info("enrichments ready: version {}, bot model {}, config {}", enrichments.version,
        enrichments.bots == null ? "off" : enrichments.bots.modelVersion(), config);
    return enrichments;
  }

  /** The {@code enrichment_version} stamped on every result. */
  public String version() {
    return version;
  }

  public EnrichmentMetrics metrics() {
    return metrics;
  }

  /** The user-agent cache's statistics since start; empty when no parser runs. */
  public Optional<CacheStats> userAgentCacheStats() {
    return Optional.ofNullable(userAgents).map(UserAgentParser::cacheStats);
  }

  @Override
  public EnrichResult enrich(EnrichItem item) {
    EnrichResult.Builder result = EnrichResult.newBuilder().setItemId(item.getItemId());
    Step step = Step.USER_AGENT;
    try {
      Enrichment.Builder enrichment = Enrichment.newBuilder().setEnrichmentVersion(version);
      Context in = item.getContext();
      Context.Builder context = in.toBuilder();
      long t0 = System.nanoTime();
      long t;

      ParsedUserAgent userAgent = null;
      if (userAgents != null && !in.getUserAgent().isEmpty()) {
        userAgent = userAgents.parse(in.getUserAgent());
      }
      if (config.userAgent().mode().on()) {
        if (userAgent != null) {
          enrichment.setUserAgent(userAgent.info());
        }
        enrichment.addApplied(step.wireName());
      }
      t = lap(step, t0);

      step = Step.CAMPAIGN;
      if (campaigns != null) {
        Optional<Campaign> campaign = campaigns.extract(in.getPageUrl());
        campaign.ifPresent(enrichment::setCampaign);
        enrichment.addApplied(step.wireName());
        t = lap(step, t);
      }

      step = Step.REFERRER;
      if (referrers != null) {
        if (!in.getReferrer().isEmpty()) {
          enrichment.setReferrer(referrers.classify(in.getReferrer()));
        }
        enrichment.addApplied(step.wireName());
        t = lap(step, t);
      }

      step = Step.IP;
      String clientIp = item.getClientIp();
      if (ips != null) {
        String contextIp = anonymize(in.getIp(), "context.ip");
        clientIp = anonymize(clientIp, "client_ip");
        context.setIp(contextIp);
        // The user's address as the producer saw it wins over the address of the producer's
        // server, which is what the collector sees for server-side producers.
        enrichment.setAnonymizedIp(contextIp.isEmpty() ? clientIp : contextIp);
        enrichment.addApplied(step.wireName());
        t = lap(step, t);
      }

      step = Step.PII;
      String payload = item.getPayloadJson();
      if (pii != null) {
        pii.pseudonymizeContext(context);
        payload = pii.pseudonymizePayload(item.getEventType(), payload);
        enrichment.addApplied(step.wireName());
        t = lap(step, t);
      }

      step = Step.BOT;
      if (bots != null) {
        enrichment.setBot(bots.score(userAgent, in));
        enrichment.addApplied(step.wireName());
        lap(step, t);
      }

      metrics.recordItem(true);
      return result.setEnrichment(enrichment)
          .setPseudonymizedContext(context)
          .setPseudonymizedPayloadJson(payload)
          .setAnonymizedClientIp(clientIp)
          .build();
    } catch (ItemFailure failure) {
      metrics.recordItem(false);
      metrics.recordError(step, failure.reason());
      return result.setError(EnrichError.newBuilder()
          .setCode(failure.code())
          .setEnrichment(step.wireName())
          .setMessage(failure.getMessage())).build();
    } catch (RuntimeException e) {
      // A bug or an input nobody foresaw: it stays this item's error. The exception's message may
      // quote the input, so only its type goes to the caller and the log.
      metrics.recordItem(false);
      metrics.recordError(step, "internal");
      log.warn("enrichment {} failed on item {}: {}", step.wireName(), item.getItemId(),
          e.getClass().getName());
      return result.setError(EnrichError.newBuilder()
          .setCode(EnrichErrorCode.ENRICH_ERROR_CODE_INTERNAL)
          .setEnrichment(step.wireName())
          .setMessage("internal error in " + step.wireName() + ": " + e.getClass().getSimpleName()))
          .build();
    }
  }

  private String anonymize(String ip, String field) {
    if (ip.isEmpty()) {
      return "";
    }
    Optional<String> anonymized = ips.anonymize(ip);
    if (anonymized.isEmpty() && config.ip().onInvalid() == OnInvalidIp.FAIL_ITEM) {
      throw ItemFailure.invalidInput("invalid_ip", field + " is not an IPv4 or IPv6 address");
    }
    if (anonymized.isEmpty()) {
      metrics.recordError(Step.IP, "invalid_ip_dropped");
    }
    return anonymized.orElse("");
  }

  private long lap(Step step, long start) {
    long now = System.nanoTime();
    metrics.recordStep(step, now - start);
    return now;
  }
}
