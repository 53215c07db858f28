package dev.millrace.enricher.it;

import com.google.protobuf.ByteString;
import dev.millrace.enricher.Events;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A deterministic mix of raw records and the outcome each must have: 80% valid across the five
 * event types, 5% each undecodable, schema violation, unknown schema and enrichment failure
 * (a client IP the enrichment API, configured to fail such items, refuses). Every third record is
 * keyed by its user id, as the collector keys with {@code partition-key=USER_ID}; the others by
 * their event id.
 */
final class MixedEvents {

  /** One record to produce: its event id, its key, its value, and the outcome it must reach. */
  record Item(String id, String key, byte[] value, ReasonCode expected) {
    boolean enriched() {
      return expected == null;
    }

    boolean keyedByUser() {
      return key.equals(USER_ID);
    }
  }

  /** The user id of every event (Events.raw). */
  static final String USER_ID = "user-1234";

  static final String BAD_CLIENT_IP = "not-an-ip";

  private MixedEvents() {}

  static List<Item> generate(int n, String runId) {
    String[][] valid = {
        {"page_view", "1-0-0", Events.PAGE_VIEW},
        {"page_view", "1-0-1", "{\"path\":\"/checkout\",\"load_time_ms\":321}"},
        {"link_click", "1-0-0", Events.LINK_CLICK},
        {"add_to_cart", "1-0-0", Events.ADD_TO_CART},
        {"purchase", "1-0-0", Events.PURCHASE},
        {"signup", "1-0-0", Events.SIGNUP},
    };
    String[] agents = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    };
    List<Item> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String id = UUID.nameUUIDFromBytes((runId + "/" + i).getBytes(StandardCharsets.UTF_8)).toString();
      String key = i % 3 == 0 ? USER_ID : id;
      switch (i % 20) {
        // Starts with 'n' (0x6e): field 13 with wire type 6, which no protobuf parser accepts.
        case 0 -> items.add(new Item(id, key, ("not a raw event #" + i).getBytes(StandardCharsets.UTF_8),
            ReasonCode.UNDECODABLE));
        case 1 -> items.add(new Item(id, key, Events.raw(id, "add_to_cart", "1-0-0",
            "{\"product_id\":\"p-1\",\"quantity\":0,\"unit_price\":1,\"currency\":\"EUR\"}", agents[0])
            .toByteArray(), ReasonCode.SCHEMA_VIOLATION));
        case 2 -> items.add(new Item(id, key, Events.raw(id, "page_view", "9-9-9", Events.PAGE_VIEW, agents[1])
            .toByteArray(), ReasonCode.UNKNOWN_SCHEMA));
        case 3 -> {
          RawEvent e = Events.raw(id, "page_view", "1-0-0", Events.PAGE_VIEW, agents[2]);
          e = e.toBuilder().setMetadata(e.getMetadata().toBuilder().setClientIp(BAD_CLIENT_IP)).build();
          items.add(new Item(id, key, e.toByteArray(), ReasonCode.ENRICHMENT_FAILED));
        }
        default -> {
          String[] v = valid[i % valid.length];
          items.add(new Item(id, key, Events.raw(id, v[0], v[1], v[2], agents[i % agents.length]).toByteArray(), null));
        }
      }
    }
    return items;
  }

  static Map<String, Item> byId(List<Item> items) {
    Map<String, Item> m = new HashMap<>();
    for (Item item : items) {
      m.put(item.id(), item);
    }
    return m;
  }

  /** The event id of an item by its exact bytes: how an undecodable record's dead letter is matched. */
  static Map<ByteString, String> idsByValue(List<Item> items) {
    Map<ByteString, String> m = new HashMap<>();
    for (Item item : items) {
      m.put(ByteString.copyFrom(item.value()), item.id());
    }
    return m;
  }
}
