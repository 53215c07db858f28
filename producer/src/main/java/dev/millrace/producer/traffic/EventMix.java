package dev.millrace.producer.traffic;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the traffic is made of.
 *
 * @param typeWeights relative weight of each event type, e.g. page_view=60
 * @param invalidPercent share of events broken on purpose, 0 to 100
 * @param duplicatePercent share of events that resend an earlier event's id and content, 0 to 100
 */
public record EventMix(Map<String, Integer> typeWeights, double invalidPercent, double duplicatePercent) {

  /** The shipped event types, weighted like a shop's traffic. */
  public static final Map<String, Integer> DEFAULT_WEIGHTS = defaultWeights();

  public EventMix {
    if (typeWeights.isEmpty()) {
      throw new IllegalArgumentException("the mix names no event type");
    }
    typeWeights.forEach((type, weight) -> {
      if (!Payloads.TYPES.contains(type)) {
        throw new IllegalArgumentException(
            "unknown event type '" + type + "' in the mix; known: " + String.join(", ", Payloads.TYPES));
      }
      if (weight < 0) {
        throw new IllegalArgumentException("weight of " + type + " is negative: " + weight);
      }
    });
    if (typeWeights.values().stream().mapToInt(Integer::intValue).sum() == 0) {
      throw new IllegalArgumentException("every weight in the mix is 0");
    }
    checkPercent("invalid", invalidPercent);
    checkPercent("duplicate", duplicatePercent);
    if (invalidPercent + duplicatePercent > 100) {
      throw new IllegalArgumentException("invalid + duplicate percentages exceed 100");
    }
    typeWeights = Collections.unmodifiableMap(new LinkedHashMap<>(typeWeights));
  }

  /** The demo mix: shipped types, about 2% invalid, 1% duplicated ids. */
  public static EventMix demo() {
    return new EventMix(DEFAULT_WEIGHTS, 2.0, 1.0);
  }

  /** Parses {@code page_view=60,link_click=20}; an empty spec means the default weights. */
  public static Map<String, Integer> parseWeights(String spec) {
    if (spec == null || spec.isBlank()) {
      return DEFAULT_WEIGHTS;
    }
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String[] kv = part.trim().split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("mix entry '" + part.trim() + "' is not TYPE=WEIGHT");
      }
      try {
        weights.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("weight of " + kv[0].trim() + " is not a whole number: " + kv[1].trim());
      }
    }
    return weights;
  }

  private static void checkPercent(String name, double value) {
    if (!(value >= 0 && value <= 100)) {
      throw new IllegalArgumentException(name + " percentage must be between 0 and 100, was " + value);
    }
  }

  private static Map<String, Integer> defaultWeights() {
    Map<String, Integer> weights = new LinkedHashMap<>();
    weights.put("page_view", 60);
    weights.put("link_click", 20);
    weights.put("add_to_cart", 10);
    weights.put("purchase", 5);
    weights.put("signup", 5);
    return Collections.unmodifiableMap(weights);
  }
}
