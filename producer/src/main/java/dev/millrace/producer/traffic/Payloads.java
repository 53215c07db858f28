package dev.millrace.producer.traffic;

import dev.millrace.producer.traffic.Catalog.Page;
import dev.millrace.producer.traffic.Catalog.Product;
import dev.millrace.producer.traffic.Catalog.Site;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The payload of each shipped event type, version 1-0-0, as the enricher's schemas expect it. */
final class Payloads {

  static final List<String> TYPES = List.of("page_view", "link_click", "add_to_cart", "purchase", "signup");
  static final String SCHEMA_VERSION = "1-0-0";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Payloads() {}

  static String payload(String type, Random random, Site site, Page page, long sequence) {
    ObjectNode node = JSON.createObjectNode();
    switch (type) {
      case "page_view" -> {
        node.put("title", page.title());
        node.put("path", page.path());
        node.put("load_time_ms", 120 + random.nextInt(2400));
      }
      case "link_click" -> {
        Page target = pick(random, site.pages());
        node.put("target_url", "https://" + site.host() + target.path());
        node.put("element_id", pick(random, List.of("nav-main", "hero-cta", "footer-link", "product-card", "breadcrumb")));
        node.put("text", target.title().split(" [|–] ")[0]);
      }
      case "add_to_cart" -> {
        Product product = pick(random, site.products());
        node.put("sku", product.sku());
        node.put("name", product.name());
        node.put("quantity", 1 + random.nextInt(3));
        node.put("price", product.price());
        node.put("currency", site.currency());
      }
      case "purchase" -> {
        node.put("order_id", String.format(Locale.ROOT, "%s-%08d",
            site.source().substring(0, 2).toUpperCase(Locale.ROOT), 10_000_000 + sequence));
        ArrayNode items = node.putArray("items");
        BigDecimal total = BigDecimal.ZERO;
        int lines = 1 + random.nextInt(3);
        for (int i = 0; i < lines; i++) {
          Product product = site.products().get((i + random.nextInt(site.products().size())) % site.products().size());
          int quantity = 1 + random.nextInt(2);
          items.addObject().put("sku", product.sku()).put("quantity", quantity).put("price", product.price());
          total = total.add(product.price().multiply(BigDecimal.valueOf(quantity)));
        }
        node.put("total", total);
        node.put("currency", site.currency());
      }
      case "signup" -> {
        String first = pick(random, Catalog.FIRST_NAMES);
        String last = pick(random, Catalog.LAST_NAMES);
        node.put("email", first + "." + last + (random.nextInt(90) + 10) + "@" + pick(random, Catalog.EMAIL_DOMAINS));
        node.put("method", pick(random, List.of("email", "google", "apple")));
        node.put("newsletter_opt_in", random.nextBoolean());
      }
      default -> throw new IllegalArgumentException("no payload for event type " + type);
    }
    return JSON.writeValueAsString(node);
  }

  static <T> T pick(Random random, List<T> items) {
    return items.get(random.nextInt(items.size()));
  }
}
