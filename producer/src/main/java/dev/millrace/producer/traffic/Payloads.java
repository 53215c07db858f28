package dev.millrace.producer.traffic;

import dev.millrace.producer.traffic.Catalog.Page;
import dev.millrace.producer.traffic.Catalog.Product;
import dev.millrace.producer.traffic.Catalog.Site;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The payload of each shipped event type, as the enricher's schemas
 * ({@code enricher-service/src/main/resources/schemas/<type>/<version>.json}) define it.
 */
final class Payloads {

  static final List<String> TYPES = List.of("page_view", "link_click", "add_to_cart", "purchase", "signup");
  static final String SCHEMA_VERSION = "1-0-0";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Payloads() {}

  /** A payload and the schema version it follows. */
  record Payload(String schemaVersion, String json) {}

  static Payload payload(String type, Random random, Site site, Page page, long sequence) {
    ObjectNode node = JSON.createObjectNode();
    String version = SCHEMA_VERSION;
    switch (type) {
      case "page_view" -> {
        node.put("path", page.path());
        node.put("title", page.title());
        node.put("page_type", page.type());
        // Most clients are on 1-0-1 (adds load_time_ms); some still send 1-0-0, as after any release.
        if (random.nextInt(10) < 7) {
          version = "1-0-1";
          node.put("load_time_ms", 120 + random.nextInt(2400));
        }
      }
      case "link_click" -> {
        boolean outbound = random.nextInt(5) == 0;
        if (outbound) {
          node.put("target_url", pick(random, List.of("https://www.instagram.com/northpeak.example/",
              "https://help.brightdesk.example/articles/42", "https://maps.example.org/?q=harbour")));
          node.put("link_text", pick(random, List.of("Follow us", "Help centre", "Open map")));
        } else {
          Page target = pick(random, site.pages());
          node.put("target_url", "https://" + site.host() + target.path());
          node.put("link_text", target.title().split(" [|–] ")[0]);
        }
        node.put("element_id", pick(random, List.of("nav-main", "hero-cta", "footer-link", "product-card", "breadcrumb")));
        node.put("outbound", outbound);
      }
      case "add_to_cart" -> {
        Product product = pick(random, site.products());
        node.put("product_id", product.id());
        node.put("sku", product.sku());
        node.put("quantity", 1 + random.nextInt(3));
        node.put("unit_price", product.price());
        node.put("currency", site.currency());
        node.put("cart_id", "cart_" + Long.toString(sequence * 7919 % 1_000_003, 36));
      }
      case "purchase" -> {
        node.put("order_id", String.format(Locale.ROOT, "%s-%08d",
            site.source().substring(0, 2).toUpperCase(Locale.ROOT), 10_000_000 + sequence));
        node.put("currency", site.currency());
        ArrayNode items = JSON.createArrayNode();
        BigDecimal subtotal = BigDecimal.ZERO;
        int lines = 1 + random.nextInt(3);
        for (int i = 0; i < lines; i++) {
          Product product = site.products().get((i + random.nextInt(site.products().size())) % site.products().size());
          int quantity = 1 + random.nextInt(2);
          items.addObject().put("product_id", product.id()).put("sku", product.sku())
              .put("quantity", quantity).put("unit_price", product.price());
          subtotal = subtotal.add(product.price().multiply(BigDecimal.valueOf(quantity)));
        }
        BigDecimal shipping = subtotal.compareTo(new BigDecimal("50")) >= 0 ? BigDecimal.ZERO : new BigDecimal("4.95");
        BigDecimal tax = subtotal.multiply(new BigDecimal("0.19")).setScale(2, RoundingMode.HALF_UP);
        node.put("total", subtotal.add(shipping).add(tax));
        node.put("tax", tax);
        node.put("shipping", shipping);
        if (random.nextInt(5) == 0) {
          node.put("coupon", pick(random, List.of("SPRING10", "WELCOME5", "FREESHIP")));
        }
        node.put("payment_method", pick(random, List.of("card", "card", "card", "paypal", "bank_transfer", "gift_card")));
        node.set("items", items);
      }
      case "signup" -> {
        String first = pick(random, Catalog.FIRST_NAMES);
        String last = pick(random, Catalog.LAST_NAMES);
        node.put("method", pick(random, List.of("email", "email", "google", "apple", "github")));
        node.put("email", first + "." + last + (random.nextInt(90) + 10) + "@" + pick(random, Catalog.EMAIL_DOMAINS));
        node.put("plan", pick(random, List.of("free", "free", "free", "pro", "business")));
        node.put("marketing_opt_in", random.nextBoolean());
      }
      default -> throw new IllegalArgumentException("no payload for event type " + type);
    }
    return new Payload(version, JSON.writeValueAsString(node));
  }

  static <T> T pick(Random random, List<T> items) {
    return items.get(random.nextInt(items.size()));
  }
}
