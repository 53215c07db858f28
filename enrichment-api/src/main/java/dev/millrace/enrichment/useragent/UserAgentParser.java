package dev.millrace.enrichment.useragent;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.millrace.proto.v1.UserAgentInfo;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import nl.basjes.parse.useragent.UserAgent;
import nl.basjes.parse.useragent.UserAgentAnalyzer;

/**
 * User-agent parsing with YAUAA behind one bounded cache.
 *
 * <p>The analyzer is expensive to build (seconds, ~120 MB of heap), so one instance serves the
 * whole process. Its own cache is off: the Caffeine cache in front holds the finished wire message
 * instead, which also skips field extraction on a hit and reports its hit ratio as a metric (YAUAA's
 * cache reports nothing). Real traffic is heavily skewed to a few hundred browser builds, so a cache
 * of some thousands of entries answers nearly every item.
 */
public final class UserAgentParser {

  /** The YAUAA fields we put on the wire; asking only for these makes each parse cheaper. */
  static final List<String> FIELDS = List.of(
      UserAgent.DEVICE_CLASS, UserAgent.OPERATING_SYSTEM_NAME, UserAgent.OPERATING_SYSTEM_VERSION,
      UserAgent.AGENT_NAME, UserAgent.AGENT_VERSION, UserAgent.AGENT_CLASS);

  // Tools and crawlers that say what they are; YAUAA classifies most, this catches the rest
  // (custom scripts such as "my-scraper/1.0").
  private static final Pattern BOT_KEYWORD = Pattern.compile(
      "bot|crawl|spider|slurp|scrape|curl|wget|python|java/|go-http|okhttp|axios|node-fetch"
          + "|libwww|httpclient|http-client|phantomjs|selenium|puppeteer|playwright|headless");
  private static final Pattern HEADLESS = Pattern.compile("headless|phantomjs");

  private final UserAgentAnalyzer analyzer;
  private final Cache<String, ParsedUserAgent> cache;
  private final int maxLength;

  public UserAgentParser(int cacheSize, int maxLength) {
    this.maxLength = maxLength;
    this.analyzer = UserAgentAnalyzer.newBuilder()
        .hideMatcherLoadStats()
        .withoutCache()
        .withFields(FIELDS)
        .withUserAgentMaxLength(maxLength)
        .dropTests()
        .immediateInitialization()
        .build();
    this.cache = Caffeine.newBuilder().maximumSize(cacheSize).recordStats().build();
  }

  /** Parses a non-empty User-Agent string; strings past the configured length are cut first. */
  public ParsedUserAgent parse(String userAgent) {
    String key = userAgent.length() > maxLength ? userAgent.substring(0, maxLength) : userAgent;
    return cache.get(key, this::parseUncached);
  }

  private ParsedUserAgent parseUncached(String userAgent) {
    UserAgent parsed = analyzer.parse(userAgent);
    UserAgentInfo info = UserAgentInfo.newBuilder()
        .setDeviceClassBytes(value(parsed, UserAgent.DEVICE_CLASS))
        .setOsNameBytes(value(parsed, UserAgent.OPERATING_SYSTEM_NAME))
        .setOsVersionBytes(value(parsed, UserAgent.OPERATING_SYSTEM_VERSION))
        .setAgentNameBytes(value(parsed, UserAgent.AGENT_NAME))
        .setAgentVersionBytes(value(parsed, UserAgent.AGENT_VERSION))
        .setAgentClassBytes(value(parsed, UserAgent.AGENT_CLASS))
        .build();
    String lower = userAgent.toLowerCase(Locale.ROOT);
    return new ParsedUserAgent(info, BOT_KEYWORD.matcher(lower).find(),
        HEADLESS.matcher(lower).find(), userAgent.length());
  }

  // Kept as ByteStrings: the cached message is written into every answer, and protobuf would
  // otherwise re-encode each String to UTF-8 on every write.
  private static com.google.protobuf.ByteString value(UserAgent parsed, String field) {
    return com.google.protobuf.ByteString.copyFromUtf8(parsed.getValue(field));
  }

  /** The cache, for its metrics. */
  public Cache<String, ParsedUserAgent> cache() {
    return cache;
  }

  public CacheStats cacheStats() {
    return cache.stats();
  }
}
