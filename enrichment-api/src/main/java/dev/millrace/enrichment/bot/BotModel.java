package dev.millrace.enrichment.bot;

import dev.millrace.enrichment.ReplaceableData;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A logistic-regression bot model: {@code score = 1 / (1 + exp(-(intercept + sum(weight_i * x_i))))}
 * over the 0/1 {@link Feature}s; {@code is_bot} when {@code score >= threshold}. Read from a JSON
 * file (format in the module README); the bundled one is {@code bot-model.json}.
 *
 * @param version stamped on every score, so downstream data says which model produced it
 * @param intercept the bias term
 * @param threshold the score at and over which an item is a bot, in [0, 1]
 * @param weights one weight per feature, by {@link Feature#ordinal()}; 0 for features not in the file
 */
public record BotModel(String version, double intercept, double threshold, double[] weights) {

  /** The bundled model's resource name. */
  public static final String BUNDLED = "bot-model.json";

  /** The bundled model, or the file at {@code path} when it is not empty. */
  public static BotModel load(String path) {
    return ReplaceableData.load(path, BUNDLED, "bot model", BotModel::parse);
  }


  /** Parses a model; a failure's message names the source and what is wrong. */
  public static BotModel parse(byte[] json, String source) {
    JsonNode root;
    try {
      root = JsonMapper.builder().build().readTree(json);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("bot model " + source + " is not valid JSON: "
          + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("bot model " + source + " must be a JSON object");
    }
    String version = root.path("version").asString("");
    if (version.isBlank()) {
      throw new IllegalArgumentException("bot model " + source + " needs a 'version'");
    }
    double intercept = number(root, "intercept", source);
    double threshold = number(root, "threshold", source);
    if (threshold < 0 || threshold > 1) {
      throw new IllegalArgumentException("bot model " + source + ": threshold must be between 0 and 1");
    }
    JsonNode weightsNode = root.path("weights");
    if (!weightsNode.isObject()) {
      throw new IllegalArgumentException("bot model " + source + " needs a 'weights' object");
    }
    Map<String, Feature> byKey = new java.util.HashMap<>();
    for (Feature f : Feature.values()) {
      byKey.put(f.key(), f);
    }
    double[] weights = new double[Feature.values().length];
    for (String name : weightsNode.propertyNames()) {
      Feature feature = byKey.get(name);
      if (feature == null) {
        // A misspelt feature would silently weigh nothing: refuse it.
        throw new IllegalArgumentException("bot model " + source + ": unknown feature '" + name
            + "' (known: " + byKey.keySet().stream().sorted().toList() + ")");
      }
      weights[feature.ordinal()] = number(weightsNode, name, source);
    }
    return new BotModel(version, intercept, threshold, weights);
  }

  /** The weights by feature, for documentation and tests. */
  public Map<Feature, Double> weightsByFeature() {
    Map<Feature, Double> map = new EnumMap<>(Feature.class);
    for (Feature f : Feature.values()) {
      map.put(f, weights[f.ordinal()]);
    }
    return map;
  }

  private static double number(JsonNode node, String field, String source) {
    JsonNode value = node.path(field);
    if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
      throw new IllegalArgumentException("bot model " + source + ": '" + field + "' must be a number");
    }
    return value.doubleValue();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BotModel m && version.equals(m.version) && intercept == m.intercept
        && threshold == m.threshold && Arrays.equals(weights, m.weights);
  }

  @Override
  public int hashCode() {
    return version.hashCode() * 31 + Arrays.hashCode(weights);
  }

  @Override
  public String toString() {
    return "BotModel[version=" + version + ", intercept=" + intercept + ", threshold=" + threshold
        + ", weights=" + weightsByFeature() + "]";
  }
}
