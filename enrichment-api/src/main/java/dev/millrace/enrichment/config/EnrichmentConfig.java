package dev.millrace.enrichment.config;

import dev.millrace.enrichment.pii.JsonPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Every setting of the enrichment API, under {@code millrace.enrichment}.
 *
 * <p>Absent keys take the defaults below. Every rule is checked in the records' constructors rather
 * than by Bean Validation annotations, so that the Spring-free path ({@link #builder()}, used by the
 * enricher's tests and the bench) validates exactly like the service does at start-up, with the
 * same message naming the bad key.
 */
@Validated
@ConfigurationProperties(EnrichmentConfig.PREFIX)
public record EnrichmentConfig(Grpc grpc, UserAgent userAgent, Campaign campaign, Referrer referrer,
                               Ip ip, Pii pii, Bot bot) {

  public static final String PREFIX = "millrace.enrichment";

  public EnrichmentConfig {
    grpc = grpc == null ? new Grpc(null, null, null, null, null) : grpc;
    userAgent = userAgent == null ? new UserAgent(null, null, null) : userAgent;
    campaign = campaign == null ? new Campaign(null, null, null, null, null, null, null) : campaign;
    referrer = referrer == null ? new Referrer(null, null, null) : referrer;
    ip = ip == null ? new Ip(null, null, null, null) : ip;
    pii = pii == null ? new Pii(null, null, null, null, null, null, null) : pii;
    bot = bot == null ? new Bot(null, null) : bot;
  }

  /** The gRPC server. */
  public record Grpc(Integer port, Duration shutdownGrace, Integer maxBatchItems, Integer threads,
                     Integer maxMessageBytes) {
    public Grpc {
      port = orDefault(port, 9091);
      shutdownGrace = shutdownGrace == null ? Duration.ofSeconds(20) : shutdownGrace;
      maxBatchItems = orDefault(maxBatchItems, 10_000);
      threads = orDefault(threads, 0);
      // gRPC's default of 4 MiB is too small for a batch of a few thousand events with payloads.
      maxMessageBytes = orDefault(maxMessageBytes, 64 * 1024 * 1024);
      range("grpc.max-message-bytes", maxMessageBytes, 1024, Integer.MAX_VALUE);
      range("grpc.port", port, 0, 65_535);
      if (shutdownGrace.isNegative()) {
        throw invalid("grpc.shutdown-grace", "must not be negative", shutdownGrace);
      }
      range("grpc.max-batch-items", maxBatchItems, 1, 1_000_000);
      range("grpc.threads", threads, 0, 1024);
    }
  }

  /** User-agent parsing with YAUAA. */
  public record UserAgent(EnrichmentSwitch mode, Integer cacheSize, Integer maxLength) {
    public UserAgent {
      mode = mode == null ? EnrichmentSwitch.ENABLED : mode;
      cacheSize = orDefault(cacheSize, 20_000);
      maxLength = orDefault(maxLength, 2048);
      range("user-agent.cache-size", cacheSize, 0, 10_000_000);
      range("user-agent.max-length", maxLength, 64, 65_536);
    }
  }

  /** The click-id parameters we know, mapped to the wire's {@code ClickIdType}. */
  public enum ClickId { GCLID, MSCLKID, FBCLID, DCLID }

  /** Campaign attribution from the page URL's query parameters. */
  public record Campaign(EnrichmentSwitch mode, List<String> sourceParameters, List<String> mediumParameters,
                         List<String> nameParameters, List<String> termParameters,
                         List<String> contentParameters, Map<String, ClickId> clickIdParameters) {
    public Campaign {
      mode = mode == null ? EnrichmentSwitch.ENABLED : mode;
      sourceParameters = parameters("campaign.source-parameters", sourceParameters, "utm_source");
      mediumParameters = parameters("campaign.medium-parameters", mediumParameters, "utm_medium");
      nameParameters = parameters("campaign.name-parameters", nameParameters, "utm_campaign");
      termParameters = parameters("campaign.term-parameters", termParameters, "utm_term");
      contentParameters = parameters("campaign.content-parameters", contentParameters, "utm_content");
      if (clickIdParameters == null) {
        clickIdParameters = new LinkedHashMap<>();
        clickIdParameters.put("gclid", ClickId.GCLID);
        clickIdParameters.put("msclkid", ClickId.MSCLKID);
        clickIdParameters.put("fbclid", ClickId.FBCLID);
        clickIdParameters.put("dclid", ClickId.DCLID);
      }
      Map<String, ClickId> clickIds = new LinkedHashMap<>();
      for (Map.Entry<String, ClickId> e : clickIdParameters.entrySet()) {
        if (e.getKey() == null || e.getKey().isBlank() || e.getValue() == null) {
          throw invalid("campaign.click-id-parameters", "needs a parameter name and a click id type",
              e.getKey());
        }
        clickIds.put(e.getKey().trim().toLowerCase(java.util.Locale.ROOT), e.getValue());
      }
      clickIdParameters = java.util.Collections.unmodifiableMap(clickIds);
    }
  }

  /** Referrer classification. */
  public record Referrer(EnrichmentSwitch mode, String listFile, List<String> internalDomains) {
    public Referrer {
      mode = mode == null ? EnrichmentSwitch.ENABLED : mode;
      listFile = listFile == null ? "" : listFile.trim();
      internalDomains = internalDomains == null ? List.of() : internalDomains.stream()
          .map(d -> d == null ? "" : d.trim().toLowerCase(java.util.Locale.ROOT))
          .toList();
      for (int i = 0; i < internalDomains.size(); i++) {
        String d = internalDomains.get(i);
        if (d.isEmpty() || d.contains("/") || d.contains(" ") || d.startsWith(".")) {
          throw invalid("referrer.internal-domains[" + i + "]",
              "must be a host name such as example.com", d);
        }
      }
    }
  }

  /** What to do with an IP that is not an IPv4 or IPv6 literal. */
  public enum OnInvalidIp {
    /** Leave the anonymised IP empty: an unparseable value is never passed on. */
    DROP,
    /** Answer the item with an INVALID_INPUT error. */
    FAIL_ITEM
  }

  /** IP anonymisation: the host part of the address is zeroed. */
  public record Ip(EnrichmentSwitch mode, Integer ipv4OctetsKept, Integer ipv6BitsKept, OnInvalidIp onInvalid) {
    public Ip {
      mode = mode == null ? EnrichmentSwitch.ENABLED : mode;
      ipv4OctetsKept = orDefault(ipv4OctetsKept, 3);
      ipv6BitsKept = orDefault(ipv6BitsKept, 48);
      onInvalid = onInvalid == null ? OnInvalidIp.DROP : onInvalid;
      range("ip.ipv4-octets-kept", ipv4OctetsKept, 0, 4);
      range("ip.ipv6-bits-kept", ipv6BitsKept, 0, 128);
    }
  }

  /** Context fields that can be pseudonymised. */
  public enum ContextField { USER_ID, ANONYMOUS_ID }

  /** What to do when a configured payload path holds an object, an array or a boolean. */
  public enum OnWrongType {
    /** Answer the item with an INVALID_INPUT error (the enricher dead-letters the event). */
    FAIL_ITEM,
    /** Replace the value with null, so it never reaches the enriched topic. */
    NULL_OUT
  }

  /**
   * PII pseudonymisation with HMAC-SHA-256.
   *
   * @param key the HMAC secret; set it through the environment variable
   *     {@code MILLRACE_ENRICHMENT_PII_KEY}, never in a file that is committed. Never logged.
   * @param cacheSize pseudonyms of context ids kept for ids seen again (a user's id recurs on each
   *     of their events); 0 computes every one
   */
  public record Pii(EnrichmentSwitch mode, String key, List<ContextField> contextFields, List<String> payloadPaths,
                    Map<String, List<String>> payloadPathsByType, OnWrongType onWrongType, Integer cacheSize) {

    /** Shortest accepted key: HMAC-SHA-256's block of security, 256 bits. */
    public static final int MIN_KEY_BYTES = 32;

    public Pii {
      mode = mode == null ? EnrichmentSwitch.ENABLED : mode;
      key = key == null ? "" : key;
      contextFields = contextFields == null ? List.of(ContextField.USER_ID) : List.copyOf(contextFields);
      payloadPaths = payloadPaths == null ? List.of() : List.copyOf(payloadPaths);
      payloadPathsByType = payloadPathsByType == null ? Map.of() : Map.copyOf(payloadPathsByType);
      onWrongType = onWrongType == null ? OnWrongType.FAIL_ITEM : onWrongType;
      cacheSize = orDefault(cacheSize, 10_000);
      range("pii.cache-size", cacheSize, 0, 10_000_000);
      if (mode.on()) {
        if (key.isBlank()) {
          throw new InvalidConfigException(PREFIX + ".pii.key must be set (environment variable "
              + "MILLRACE_ENRICHMENT_PII_KEY) when " + PREFIX + ".pii.mode is ENABLED");
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < MIN_KEY_BYTES) {
          // The length is safe to print; the key is not.
          throw new InvalidConfigException(PREFIX + ".pii.key must be at least " + MIN_KEY_BYTES
              + " bytes long (it has " + bytes + ")");
        }
      }
      for (int i = 0; i < payloadPaths.size(); i++) {
        checkPath("pii.payload-paths[" + i + "]", payloadPaths.get(i));
      }
      for (Map.Entry<String, List<String>> e : payloadPathsByType.entrySet()) {
        List<String> paths = e.getValue() == null ? List.of() : e.getValue();
        for (int i = 0; i < paths.size(); i++) {
          checkPath("pii.payload-paths-by-type." + e.getKey() + "[" + i + "]", paths.get(i));
        }
      }
    }

    private static void checkPath(String key, String path) {
      try {
        JsonPath.compile(path);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(PREFIX + "." + key + " is not a supported JSON path: "
            + e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "Pii[mode=" + mode + ", key=" + (key.isEmpty() ? "(unset)" : "(set)")
          + ", contextFields=" + contextFields + ", payloadPaths=" + payloadPaths
          + ", payloadPathsByType=" + payloadPathsByType + ", onWrongType=" + onWrongType
          + ", cacheSize=" + cacheSize + "]";
    }
  }

  /** Bot score from a logistic-regression model file. */
  public record Bot(EnrichmentSwitch mode, String modelFile) {
    public Bot {
      mode = mode == null ? EnrichmentSwitch.ENABLED : mode;
      modelFile = modelFile == null ? "" : modelFile.trim();
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a config in plain Java, for embedding the service; unset parts take the defaults. */
  public static final class Builder {
    private Grpc grpc;
    private UserAgent userAgent;
    private Campaign campaign;
    private Referrer referrer;
    private Ip ip;
    private Pii pii;
    private Bot bot;

    public Builder grpc(Grpc value) {
      grpc = value;
      return this;
    }

    public Builder userAgent(UserAgent value) {
      userAgent = value;
      return this;
    }

    public Builder campaign(Campaign value) {
      campaign = value;
      return this;
    }

    public Builder referrer(Referrer value) {
      referrer = value;
      return this;
    }

    public Builder ip(Ip value) {
      ip = value;
      return this;
    }

    public Builder pii(Pii value) {
      pii = value;
      return this;
    }

    /** PII on with this key, pseudonymising context.user_id and the given payload paths. */
    public Builder piiKey(String key, String... payloadPaths) {
      pii = new Pii(EnrichmentSwitch.ENABLED, key, null, List.of(payloadPaths), null, null, null);
      return this;
    }

    public Builder bot(Bot value) {
      bot = value;
      return this;
    }

    public EnrichmentConfig build() {
      return new EnrichmentConfig(grpc, userAgent, campaign, referrer, ip, pii, bot);
    }
  }

  private static int orDefault(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  private static List<String> parameters(String key, List<String> value, String fallback) {
    if (value == null) {
      return List.of(fallback);
    }
    for (int i = 0; i < value.size(); i++) {
      if (value.get(i) == null || value.get(i).isBlank()) {
        throw invalid(key + "[" + i + "]", "must be a query parameter name", value.get(i));
      }
    }
    return value.stream().map(p -> p.trim().toLowerCase(java.util.Locale.ROOT)).toList();
  }

  private static void range(String key, int value, int min, int max) {
    if (value < min || value > max) {
      throw invalid(key, "must be between " + min + " and " + max, value);
    }
  }

  private static InvalidConfigException invalid(String key, String rule, Object value) {
    return new InvalidConfigException(PREFIX + "." + key + " " + rule + " (was " + value + ")");
  }
}
