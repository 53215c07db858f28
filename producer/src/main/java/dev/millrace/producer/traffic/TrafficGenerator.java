package dev.millrace.producer.traffic;

import com.google.protobuf.Timestamp;
import dev.millrace.producer.traffic.Catalog.Campaign;
import dev.millrace.producer.traffic.Catalog.Page;
import dev.millrace.producer.traffic.Catalog.Site;
import dev.millrace.producer.traffic.Catalog.UserAgent;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Realistic demo traffic: visitors of a few sites with real user agents, campaign URLs with click ids,
 * search/social/email/internal referrers, the shipped event types with their payloads, a share of
 * events broken on purpose (one collector failure kind after another) and a share of resent events.
 *
 * <p>Everything comes from one seeded {@link Random} and the given clock, so a seed and a fixed clock
 * always give the same events. Not thread-safe: one generator per sending thread, or one dispatcher.
 */
public final class TrafficGenerator {

  /** How far ahead a CLOCK_SKEW event claims to be: beyond any sane skew allowance. */
  static final Duration SKEW = Duration.ofDays(30);

  private static final int VISITORS = 500;
  private static final int RECENT = 256;

  private final Random random;
  private final Clock clock;
  private final EventMix mix;
  private final List<String> types;
  private final int[] cumulativeWeights;
  private final List<Visitor> visitors = new ArrayList<>();
  private final Event[] recent = new Event[RECENT];
  private int recentCount;
  private long sequence;
  private long invalidCount;

  private record Visitor(Site site, UserAgent userAgent, String ip, String anonymousId, String userId,
                         String locale, String referrer, Campaign campaign, String clickId) {}

  public TrafficGenerator(long seed, EventMix mix, Clock clock) {
    this.random = new Random(seed);
    this.clock = clock;
    this.mix = mix;
    this.types = List.copyOf(mix.typeWeights().keySet());
    this.cumulativeWeights = new int[types.size()];
    int sum = 0;
    int i = 0;
    for (Map.Entry<String, Integer> entry : mix.typeWeights().entrySet()) {
      sum += entry.getValue();
      cumulativeWeights[i++] = sum;
    }
  }

  /** The next {@code n} events. */
  public List<GeneratedEvent> next(int n) {
    List<GeneratedEvent> events = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      events.add(next());
    }
    return events;
  }

  public GeneratedEvent next() {
    sequence++;
    double roll = random.nextDouble() * 100;
    if (roll < mix.invalidPercent()) {
      // Kinds in turn rather than at random, so even a short run shows every failure once.
      InvalidKind kind = InvalidKind.values()[(int) (invalidCount++ % InvalidKind.values().length)];
      return new GeneratedEvent(breakEvent(validEvent(), kind), kind, false);
    }
    if (roll < mix.invalidPercent() + mix.duplicatePercent() && recentCount > 0) {
      // A client retry after a lost response: the same event, byte for byte.
      Event earlier = recent[random.nextInt(Math.min(recentCount, RECENT))];
      return new GeneratedEvent(earlier, null, true);
    }
    Event event = validEvent();
    recent[recentCount++ % RECENT] = event;
    return new GeneratedEvent(event, null, false);
  }

  private Event validEvent() {
    Visitor visitor = visitor();
    Site site = visitor.site();
    String type = pickType();
    Page page = Payloads.pick(random, site.pages());
    Instant occurredAt = clock.instant().truncatedTo(ChronoUnit.MILLIS).minusMillis(random.nextInt(3000));
    Context.Builder context = Context.newBuilder()
        .setUserAgent(visitor.userAgent().value())
        .setIp(visitor.ip())
        .setPageUrl(pageUrl(visitor, page))
        .setReferrer(visitor.referrer())
        .setAnonymousId(visitor.anonymousId())
        .setLocale(visitor.locale());
    if (!visitor.userId().isEmpty()) {
      context.setUserId(visitor.userId());
    }
    Payloads.Payload payload = Payloads.payload(type, random, site, page, sequence);
    return Event.newBuilder()
        .setEventId(uuid().toString())
        .setEventType(type)
        .setSchemaVersion(payload.schemaVersion())
        .setOccurredAt(timestamp(occurredAt))
        .setSource(site.source())
        .setContext(context)
        .setPayloadJson(payload.json())
        .build();
  }

  private static Event breakEvent(Event event, InvalidKind kind) {
    Event.Builder broken = event.toBuilder();
    switch (kind) {
      case BAD_EVENT_ID -> broken.setEventId("evt_" + event.getEventId().replace("-", ""));
      case BAD_EVENT_TYPE -> broken.setEventType(event.getEventType().replace('_', '-').toUpperCase(Locale.ROOT));
      case BAD_SCHEMA_VERSION -> broken.setSchemaVersion("1.0.0");
      case MISSING_FIELD -> broken.clearEventType();
      case PAYLOAD_NOT_OBJECT -> broken.setPayloadJson("[" + event.getPayloadJson() + "]");
      case CLOCK_SKEW -> broken.setOccurredAt(Timestamp.newBuilder(event.getOccurredAt())
          .setSeconds(event.getOccurredAt().getSeconds() + SKEW.toSeconds()));
    }
    return broken.build();
  }

  private String pickType() {
    int roll = random.nextInt(cumulativeWeights[cumulativeWeights.length - 1]);
    for (int i = 0; i < cumulativeWeights.length; i++) {
      if (roll < cumulativeWeights[i]) {
        return types.get(i);
      }
    }
    throw new AssertionError("weights are cumulative");
  }

  private Visitor visitor() {
    if (visitors.size() < VISITORS && (visitors.isEmpty() || random.nextInt(4) == 0)) {
      visitors.add(newVisitor());
      return visitors.get(visitors.size() - 1);
    }
    return visitors.get(random.nextInt(visitors.size()));
  }

  private Visitor newVisitor() {
    Site site = Payloads.pick(random, Catalog.SITES);
    // Roughly 45% desktop, 45% mobile, 10% bots, as on a typical shop.
    List<UserAgent> agents = Catalog.USER_AGENTS;
    int kindRoll = random.nextInt(100);
    String kind = kindRoll < 45 ? "desktop" : kindRoll < 90 ? "mobile" : "bot";
    List<UserAgent> ofKind = agents.stream().filter(a -> a.kind().equals(kind)).toList();
    UserAgent agent = Payloads.pick(random, ofKind);
    String ip = random.nextInt(5) == 0
        ? String.format(Locale.ROOT, "2001:db8:%x:%x::%x", random.nextInt(0xffff), random.nextInt(0xffff), random.nextInt(0xffff))
        : Payloads.pick(random, List.of("192.0.2.", "198.51.100.", "203.0.113.")) + (1 + random.nextInt(254));
    String userId = random.nextInt(10) < 3 ? "u_" + (100_000 + random.nextInt(900_000)) : "";
    String locale = Payloads.pick(random, site.locales());
    Campaign campaign = random.nextInt(100) < 35 ? Payloads.pick(random, Catalog.CAMPAIGNS) : null;
    String clickId = campaign != null && !campaign.clickIdParam().isEmpty() ? token(24) : "";
    return new Visitor(site, agent, ip, uuid().toString(), userId, locale, referrer(site, campaign), campaign, clickId);
  }

  private String referrer(Site site, Campaign campaign) {
    if (campaign != null) {
      switch (campaign.medium()) {
        case "cpc" -> {
          return campaign.source().equals("bing")
              ? "https://www.bing.com/search?q=" + URLEncoder.encode(campaign.term(), StandardCharsets.UTF_8)
              : "https://www.google.com/search?q=" + URLEncoder.encode(campaign.term(), StandardCharsets.UTF_8);
        }
        case "paid_social", "social" -> {
          return Payloads.pick(random, Catalog.SOCIAL_REFERRERS);
        }
        case "email" -> {
          return Payloads.pick(random, Catalog.EMAIL_REFERRERS);
        }
        default -> {
          return "";
        }
      }
    }
    int roll = random.nextInt(100);
    if (roll < 30) return Payloads.pick(random, Catalog.SEARCH_REFERRERS);
    if (roll < 45) return Payloads.pick(random, Catalog.SOCIAL_REFERRERS);
    if (roll < 55) return Payloads.pick(random, Catalog.EMAIL_REFERRERS);
    if (roll < 85) return "https://" + site.host() + Payloads.pick(random, site.pages()).path();
    return "";
  }

  private String pageUrl(Visitor visitor, Page page) {
    StringBuilder url = new StringBuilder("https://").append(visitor.site().host()).append(page.path());
    Campaign c = visitor.campaign();
    if (c != null) {
      url.append("?utm_source=").append(c.source()).append("&utm_medium=").append(c.medium())
          .append("&utm_campaign=").append(c.name());
      if (!c.term().isEmpty()) url.append("&utm_term=").append(URLEncoder.encode(c.term(), StandardCharsets.UTF_8));
      if (!c.content().isEmpty()) url.append("&utm_content=").append(c.content());
      if (!visitor.clickId().isEmpty()) url.append('&').append(c.clickIdParam()).append('=').append(visitor.clickId());
    }
    return url.toString();
  }

  private UUID uuid() {
    // A version-4 UUID drawn from the seeded Random, so runs are reproducible.
    long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb);
  }

  private String token(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

}
