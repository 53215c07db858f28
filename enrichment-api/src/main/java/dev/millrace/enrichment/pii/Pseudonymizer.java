package dev.millrace.enrichment.pii;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.millrace.enrichment.ItemFailure;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.proto.v1.Context;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Replaces personal data with its HMAC-SHA-256 under a secret key, as 64 lower-case hex digits.
 * The same value under the same key always gives the same pseudonym, so joins and distinct counts
 * still work, but the value cannot be recovered or guessed without the key (a plain hash of an
 * e-mail address can be reversed by hashing candidate addresses).
 *
 * <p>Strings and numbers are replaced by the pseudonym of their JSON text; a null or an absent
 * field is left as it is. An object, array or boolean at a configured path is handled as
 * {@link EnrichmentConfig.OnWrongType} says.
 */
public final class Pseudonymizer {

  // Numbers stay exact (no double rounding, no trailing zeros stripped) when the payload is written
  // back; payloads are JSON objects kept exact end to end.
  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private final EnrichmentConfig.Pii config;
  private final ThreadLocal<Mac> mac;
  // Ids seen again (a user's id on each of their events) skip the HMAC, which was a seventh of the
  // API's time in the enricher bench. It holds plain ids, as the process does while it works.
  private final Cache<String, String> pseudonyms;
  private final List<JsonPath> allTypes;
  private final Map<String, List<JsonPath>> byType = new HashMap<>();

  public Pseudonymizer(EnrichmentConfig.Pii config) {
    this.config = config;
    SecretKeySpec key = new SecretKeySpec(config.key().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    // Mac is not thread-safe; one per server thread, initialised once.
    this.mac = ThreadLocal.withInitial(() -> {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(key);
        return m;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is not available", e);
      }
    });
    this.pseudonyms = config.cacheSize() == 0 ? null
        // Maintenance on the caller's thread: handed to the common pool it cost more than it saved.
        : Caffeine.newBuilder().maximumSize(config.cacheSize()).executor(Runnable::run).recordStats().build();
    this.allTypes = config.payloadPaths().stream().map(JsonPath::compile).toList();
    config.payloadPathsByType().forEach((type, paths) -> byType.put(type,
        java.util.stream.Stream.concat(allTypes.stream(), paths.stream().map(JsonPath::compile)).toList()));
  }

  /** The pseudonym of a value. */
  public String pseudonym(String value) {
    return HexFormat.of().formatHex(mac.get().doFinal(value.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The pseudonym of a context id, from the cache when the id was seen before. Only ids are cached:
   * they recur on every event of a user or device, while payload values (an e-mail address at
   * signup) mostly do not, and each new entry costs the cache an eviction.
   */
  private String idPseudonym(String id) {
    if (pseudonyms == null) {
      return pseudonym(id);
    }
    String known = pseudonyms.getIfPresent(id);
    if (known == null) {
      known = pseudonym(id);
      pseudonyms.put(id, known);
    }
    return known;
  }

  /** The pseudonym cache, for its metrics; empty when {@code pii.cache-size} is 0. */
  public Optional<Cache<String, String>> cache() {
    return Optional.ofNullable(pseudonyms);
  }

  /** Replaces the configured context fields that are not empty. */
  public void pseudonymizeContext(Context.Builder context) {
    for (EnrichmentConfig.ContextField field : config.contextFields()) {
      switch (field) {
        case USER_ID -> {
          if (!context.getUserId().isEmpty()) {
            context.setUserId(idPseudonym(context.getUserId()));
          }
        }
        case ANONYMOUS_ID -> {
          if (!context.getAnonymousId().isEmpty()) {
            context.setAnonymousId(idPseudonym(context.getAnonymousId()));
          }
        }
      }
    }
  }

  /**
   * The payload with the configured paths pseudonymised. When no path reaches a value the payload
   * text is returned as it came, byte for byte.
   *
   * @throws ItemFailure when the payload is not a JSON object, or a path holds a value of the wrong
   *     type and the configuration says to fail the item
   */
  public String pseudonymizePayload(String eventType, String payloadJson) {
    List<JsonPath> paths = byType.getOrDefault(eventType, allTypes);
    if (paths.isEmpty() || payloadJson.isEmpty()) {
      return payloadJson;
    }
    if (paths.stream().noneMatch(path -> path.mayReach(payloadJson))) {
      // Most payloads hold none of the fields: checking them with the streaming parser, without
      // building a tree and writing it back, was a quarter of the API threads' time in the bench.
      checkObject(payloadJson);
      return payloadJson;
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(payloadJson);
    } catch (JacksonException e) {
      throw notJson(e);
    }
    if (root == null || !root.isObject()) {
      throw notObject();
    }
    int replaced = 0;
    for (JsonPath path : paths) {
      replaced += path.replace(root, value -> replace(path, value));
    }
    return replaced == 0 ? payloadJson : MAPPER.writeValueAsString(root);
  }

  /** Fails as {@code readTree} would on text that is not exactly one JSON object. */
  private static void checkObject(String json) {
    boolean object;
    try (JsonParser parser = MAPPER.createParser(json)) {
      JsonToken first = parser.nextToken();
      object = first == JsonToken.START_OBJECT;
      if (first != null) {
        parser.skipChildren();
        if (parser.nextToken() != null) {
          // As DeserializationFeature.FAIL_ON_TRAILING_TOKENS makes readTree fail.
          throw notJson(parser.currentTokenLocation());
        }
      }
    } catch (JacksonException e) {
      throw notJson(e);
    }
    if (!object) {
      throw notObject();
    }
  }

  private static ItemFailure notJson(JacksonException e) {
    return notJson(e.getLocation());
  }

  private static ItemFailure notJson(TokenStreamLocation at) {
    return ItemFailure.invalidInput("payload_not_json", "payload_json is not valid JSON (line "
        + at.getLineNr() + ", column " + at.getColumnNr() + ")");
  }

  private static ItemFailure notObject() {
    return ItemFailure.invalidInput("payload_not_object", "payload_json is not a JSON object");
  }

  private JsonNode replace(JsonPath path, JsonNode value) {
    if (value.isNull()) {
      return value;
    }
    if (value.isString() || value.isNumber()) {
      return JsonNodeFactory.instance.stringNode(pseudonym(value.asString()));
    }
    if (config.onWrongType() == EnrichmentConfig.OnWrongType.NULL_OUT) {
      return JsonNodeFactory.instance.nullNode();
    }
    throw ItemFailure.invalidInput("pii_wrong_type", "payload field " + path + " is "
        + article(value) + ", not a string or number");
  }

  private static String article(JsonNode value) {
    return switch (value.getNodeType()) {
      case OBJECT -> "an object";
      case ARRAY -> "an array";
      case BOOLEAN -> "a boolean";
      default -> "a " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
