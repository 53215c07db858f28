package dev.millrace.enrichment.referrer;

import dev.millrace.enrichment.ReplaceableData;
import dev.millrace.proto.v1.ReferrerClass;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The list of known referrer hosts, read from a YAML file (format in the module README). The list
 * shipped with the service is {@code referrers.yaml} on the class path.
 *
 * @param version the list's own version, from its {@code version} key
 * @param hosts every listed host, lower case, to what it is
 */
public record ReferrerList(String version, Map<String, Entry> hosts) {

  /** The bundled list's resource name. */
  public static final String BUNDLED = "referrers.yaml";

  /**
   * One known referrer.
   *
   * @param referrerClass search, social, email or paid
   * @param name display name, e.g. "Google"
   * @param searchParameters query parameters holding the search term, in order of preference
   */
  public record Entry(ReferrerClass referrerClass, String name, List<String> searchParameters,
                      Set<String> searchParameterSet) {
    public Entry(ReferrerClass referrerClass, String name, List<String> searchParameters) {
      this(referrerClass, name, List.copyOf(searchParameters), Set.copyOf(searchParameters));
    }
  }

  private static final Map<String, ReferrerClass> CLASSES = Map.of(
      "search", ReferrerClass.REFERRER_CLASS_SEARCH,
      "social", ReferrerClass.REFERRER_CLASS_SOCIAL,
      "email", ReferrerClass.REFERRER_CLASS_EMAIL,
      "paid", ReferrerClass.REFERRER_CLASS_PAID);

  /** The bundled list, or the file at {@code path} when it is not empty. */
  public static ReferrerList load(String path) {
    return ReplaceableData.load(path, BUNDLED, "referrer list", ReferrerList::parse);
  }


  /** Parses a list; the message of a failure names the source and the offending entry. */
  public static ReferrerList parse(byte[] yaml, String source) {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(yaml);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("referrer list " + source + " is not valid YAML: "
          + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("referrer list " + source + " must be a YAML mapping");
    }
    String version = root.path("version").asString("");
    if (version.isBlank()) {
      throw new IllegalArgumentException("referrer list " + source + " needs a 'version'");
    }
    JsonNode referrers = root.path("referrers");
    if (!referrers.isObject()) {
      throw new IllegalArgumentException("referrer list " + source + " needs a 'referrers' mapping");
    }
    Map<String, Entry> hosts = new HashMap<>();
    for (String className : referrers.propertyNames()) {
      ReferrerClass referrerClass = CLASSES.get(className);
      if (referrerClass == null) {
        throw new IllegalArgumentException("referrer list " + source + ": unknown class '" + className
            + "' (expected one of search, social, email, paid)");
      }
      JsonNode byName = referrers.get(className);
      for (String name : byName.propertyNames()) {
        JsonNode spec = byName.get(name);
        List<String> parameters = strings(spec.path("parameters")).stream()
            .map(p -> p.trim().toLowerCase(Locale.ROOT)).distinct().toList();
        Entry entry = new Entry(referrerClass, name, parameters);
        List<String> entryHosts = strings(spec.path("hosts"));
        if (entryHosts.isEmpty()) {
          throw new IllegalArgumentException("referrer list " + source + ": " + className + "/" + name
              + " needs a non-empty 'hosts' list");
        }
        for (String host : entryHosts) {
          String key = host.trim().toLowerCase(Locale.ROOT);
          Entry previous = hosts.put(key, entry);
          if (previous != null) {
            throw new IllegalArgumentException("referrer list " + source + ": host " + key
                + " is listed under both " + previous.name() + " and " + name);
          }
        }
      }
    }
    return new ReferrerList(version, Map.copyOf(hosts));
  }

  private static List<String> strings(JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new IllegalArgumentException("expected a list, got " + node.getNodeType());
    }
    return node.valueStream().map(n -> n.asString("")).filter(s -> !s.isBlank()).toList();
  }
}
