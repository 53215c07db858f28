package dev.millrace.producer.traffic;

import java.math.BigDecimal;
import java.util.List;

/**
 * The made-up world the demo traffic comes from: a few sites, their pages and products, real
 * user-agent strings, referrers and campaigns. Hosts are under {@code .example} (RFC 2606) and IPs in
 * the documentation ranges (RFC 5737 / RFC 3849), so nothing here points at a real person or site.
 */
final class Catalog {

  record Page(String path, String title, String type) {}

  record Product(String id, String sku, String name, BigDecimal price) {}

  record Site(String source, String host, String currency, List<String> locales, List<Page> pages,
              List<Product> products) {}

  /** A campaign: where the click came from and the click id parameter its ad network adds. */
  record Campaign(String source, String medium, String name, String term, String content, String clickIdParam) {}

  record UserAgent(String kind, String value) {}

  static final List<Site> SITES = List.of(
      new Site("northpeak-shop", "shop.northpeak.example", "EUR", List.of("de-DE", "en-GB", "fr-FR"),
          List.of(new Page("/", "Northpeak Outdoor – Trail gear for every season", "home"),
              new Page("/c/trail-running", "Trail Running Shoes | Northpeak", "category"),
              new Page("/c/jackets", "Waterproof Jackets | Northpeak", "category"),
              new Page("/p/trail-runner-3", "Trail Runner 3 – Men's Trail Shoe | Northpeak", "product"),
              new Page("/p/stormshell-jacket", "Stormshell 2.5L Jacket | Northpeak", "product"),
              new Page("/cart", "Your basket | Northpeak", "cart"),
              new Page("/checkout", "Checkout | Northpeak", "checkout")),
          List.of(new Product("prod_1001", "NP-TR3-42", "Trail Runner 3, EU 42", new BigDecimal("129.95")),
              new Product("prod_1002", "NP-TR3-44", "Trail Runner 3, EU 44", new BigDecimal("129.95")),
              new Product("prod_1003", "NP-SSJ-M-BLU", "Stormshell Jacket, M, blue", new BigDecimal("219.00")),
              new Product("prod_1004", "NP-MWS-3PK", "Merino hiking socks, 3-pack", new BigDecimal("34.50")),
              new Product("prod_1005", "NP-HDL-400", "Headlamp 400 lm", new BigDecimal("49.99")))),
      new Site("brightdesk-app", "app.brightdesk.example", "USD", List.of("en-US", "en-CA", "es-US"),
          List.of(new Page("/", "Brightdesk – Help desk software for small teams", "home"),
              new Page("/pricing", "Pricing – Brightdesk", "category"),
              new Page("/features/automations", "Automations – Brightdesk", "category"),
              new Page("/signup", "Start your free trial – Brightdesk", "checkout"),
              new Page("/blog/first-response-time", "How we cut first response time by 40% – Brightdesk Blog", "article")),
          List.of(new Product("prod_1006", "BD-STARTER-M", "Starter plan, monthly", new BigDecimal("19.00")),
              new Product("prod_1007", "BD-TEAM-M", "Team plan, monthly", new BigDecimal("49.00")),
              new Product("prod_1008", "BD-TEAM-Y", "Team plan, yearly", new BigDecimal("490.00")))),
      new Site("tidewater-news", "www.tidewater.example", "GBP", List.of("en-GB", "en-IE"),
          List.of(new Page("/", "Tidewater – Coastal news and weather", "home"),
              new Page("/news/harbour-expansion-approved", "Harbour expansion approved after 3-year review | Tidewater", "article"),
              new Page("/weather/week-ahead", "Week-ahead forecast: gales easing by Thursday | Tidewater", "article"),
              new Page("/subscribe", "Subscribe to Tidewater", "checkout")),
          List.of(new Product("prod_1009", "TW-DIGITAL-M", "Digital subscription, monthly", new BigDecimal("6.99")),
              new Product("prod_1010", "TW-DIGITAL-Y", "Digital subscription, yearly", new BigDecimal("69.00")))),
      new Site("ferncraft-store", "ferncraft.example", "EUR", List.of("nl-NL", "en-GB", "de-DE"),
          List.of(new Page("/", "Ferncraft – Houseplants delivered", "home"),
              new Page("/plants/monstera-deliciosa", "Monstera deliciosa, 70 cm | Ferncraft", "product"),
              new Page("/plants/pilea-peperomioides", "Pilea peperomioides | Ferncraft", "product"),
              new Page("/care/watering-guide", "The watering guide | Ferncraft", "article")),
          List.of(new Product("prod_1011", "FC-MON-70", "Monstera deliciosa 70 cm", new BigDecimal("39.95")),
              new Product("prod_1012", "FC-PIL-12", "Pilea peperomioides, 12 cm pot", new BigDecimal("14.50")),
              new Product("prod_1013", "FC-POT-TERRA-L", "Terracotta pot, large", new BigDecimal("22.00")))));

  static final List<UserAgent> USER_AGENTS = List.of(
      new UserAgent("desktop", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
      new UserAgent("desktop", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15"),
      new UserAgent("desktop", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"),
      new UserAgent("desktop", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67"),
      new UserAgent("desktop", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36"),
      new UserAgent("mobile", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"),
      new UserAgent("mobile", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36"),
      new UserAgent("mobile", "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"),
      new UserAgent("mobile", "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"),
      new UserAgent("mobile", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1"),
      new UserAgent("bot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
      new UserAgent("bot", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"),
      new UserAgent("bot", "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"),
      new UserAgent("bot", "python-requests/2.31.0"));

  /** Search, social, email and no referrer; internal referrers are built from the site itself. */
  static final List<String> SEARCH_REFERRERS = List.of(
      "https://www.google.com/search?q=trail+running+shoes+waterproof",
      "https://www.google.co.uk/search?q=coastal+weather+forecast",
      "https://www.bing.com/search?q=help+desk+software+small+team",
      "https://duckduckgo.com/?q=monstera+care",
      "https://search.yahoo.com/search?p=merino+socks");
  static final List<String> SOCIAL_REFERRERS = List.of(
      "https://www.facebook.com/",
      "https://l.instagram.com/",
      "https://t.co/3xAmPl3",
      "https://www.linkedin.com/feed/",
      "https://www.reddit.com/r/trailrunning/comments/1abcde/new_shoes/");
  static final List<String> EMAIL_REFERRERS = List.of(
      "https://mail.google.com/",
      "https://outlook.live.com/",
      "https://mail.yahoo.com/");

  static final List<Campaign> CAMPAIGNS = List.of(
      new Campaign("google", "cpc", "spring_sale_2026", "trail running shoes", "ad_variant_b", "gclid"),
      new Campaign("bing", "cpc", "brand_search", "brightdesk", "", "msclkid"),
      new Campaign("facebook", "paid_social", "retargeting_q2", "", "carousel_1", "fbclid"),
      new Campaign("dv360", "display", "prospecting_uk", "", "banner_300x250", "dclid"),
      new Campaign("newsletter", "email", "weekly_digest_2026_20", "", "hero_link", ""),
      new Campaign("instagram", "social", "influencer_may", "", "story", ""));

  static final List<String> FIRST_NAMES = List.of(
      "anna", "ben", "chloe", "daniel", "elif", "farid", "greta", "hugo", "ines", "jonas", "kaito", "lena");
  static final List<String> LAST_NAMES = List.of(
      "meyer", "smith", "janssen", "garcia", "okafor", "nowak", "rossi", "dubois", "tanaka", "larsen");
  static final List<String> EMAIL_DOMAINS = List.of("example.com", "example.org", "mail.example.net");

  private Catalog() {}
}
