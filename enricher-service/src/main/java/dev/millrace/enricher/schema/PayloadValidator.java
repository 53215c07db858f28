package dev.millrace.enricher.schema;

import com.google.protobuf.ByteString;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import dev.millrace.proto.v1.Transport;
import dev.millrace.proto.v1.Violation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks an event's payload against the JSON Schema (2020-12) of its type and SchemaVer version.
 *
 * <p>A schema is read from the {@link SchemaStore} the first time its version is needed, checked
 * before it is used (it compiles; each of its {@code examples} conforms; an ADDITION accepts every
 * example of the version before it), and kept for the life of the process: a published version
 * never changes, so a record's outcome does not depend on when it was read. The answer "there is
 * none" (or "there is one, but it was rejected") is kept until the next {@link #refresh()}, so an
 * unknown type costs one lookup per refresh, not one per event, and a version published at runtime
 * is used from the first refresh after it (on an interval, or on demand). Thread-safe.
 */
public final class PayloadValidator {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PayloadValidator.class);

  // Names become path segments: anything else could point outside the schema location.
  private static final Pattern EVENT_TYPE = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final Pattern SCHEMA_VER = Pattern.compile("[1-9][0-9]{0,5}-(0|[1-9][0-9]{0,5})-(0|[1-9][0-9]{0,5})");

  private final SchemaStore store;
  private final SchemaRegistry registry;
  private final JsonMapper json = JsonMapper.builder().build();
  private final ConcurrentMap<String, Schema> compiled = new ConcurrentHashMap<>();
  /** Versions found missing or rejected, with the refresh generation they were looked up in. */
  private final ConcurrentMap<String, Missing> missing = new ConcurrentHashMap<>();
  /** Versions rejected since start, with why: what the listing and the logs report. */
  private final ConcurrentMap<String, String> rejected = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong rejections = new java.util.concurrent.atomic.AtomicLong();
  private volatile java.time.Instant refreshedAt = java.time.Instant.now();

  /** A version with no usable schema as of a generation: absent, or rejected (with why). */
  private record Missing(long generation, String rejection) {}
  private final String fallbackType;
  private final String fallbackVersion;

  /** A validator without a fallback schema for Segment events. */
  public PayloadValidator(SchemaStore store) {
    this(store, "");
  }

  /**
   * @param segmentFallback {@code <type>/<version>} of the schema a Segment event without a schema of
   *     its own is checked against, or empty for none
   */
  public PayloadValidator(SchemaStore store, String segmentFallback) {
    this.store = store;
    int slash = segmentFallback.indexOf('/');
    this.fallbackType = slash < 0 ? null : segmentFallback.substring(0, slash);
    this.fallbackVersion = slash < 0 ? null : segmentFallback.substring(slash + 1);
    SchemaRegistryConfig config = SchemaRegistryConfig.builder()
        .pathType(PathType.JSON_POINTER)
        .formatAssertionsEnabled(true)
        .locale(Locale.ROOT)
        .build();
    this.registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
        builder -> builder.schemaRegistryConfig(config));
  }

  /** Checks {@code payloadJson}; pointers in violations start at {@code /payload}. */
  public Validation validate(String eventType, String version, String payloadJson) {
    return validate(eventType, version, ByteString.copyFromUtf8(payloadJson));
  }

  /**
   * Checks a payload of an event that came in through {@code transport}: a Segment event whose type
   * and version have no schema (a track name nobody wrote one for) is checked against the fallback
   * schema, when one is configured.
   */
  public Validation validate(String eventType, String version, ByteString payloadJson, Transport transport) {
    Validation v = validate(eventType, version, payloadJson);
    if (v instanceof Validation.UnknownSchema && transport == Transport.TRANSPORT_SEGMENT && fallbackType != null) {
      return validate(fallbackType, fallbackVersion, payloadJson);
    }
    return v;
  }

  /**
   * Checks the UTF-8 bytes of a payload, as they came off the wire: the event keeps them as bytes,
   * so writing it out again does not have to encode a string it never needed.
   */
  public Validation validate(String eventType, String version, ByteString payloadJson) {
    Schema schema = compiled.get(eventType + "/" + version);
    if (schema == null) {
      if (!EVENT_TYPE.matcher(eventType).matches() || !SCHEMA_VER.matcher(version).matches()) {
        return new Validation.UnknownSchema("no schema for event type '" + printable(eventType)
            + "' version '" + printable(version) + "'");
      }
      Missing none = lookUp(eventType, version);
      if (none != null) {
        return new Validation.UnknownSchema(none.rejection() != null
            ? "the schema " + eventType + "/" + version + " in " + store.describe() + " was rejected: " + none.rejection()
            : "no schema for event type '" + eventType + "' version '" + version + "' in " + store.describe());
      }
      schema = compiled.get(eventType + "/" + version);
    }
    return check(schema, payloadJson);
  }

  /** Loads a version not compiled yet, unless it was found missing since the last refresh; null once loaded. */
  private Missing lookUp(String eventType, String version) {
    String key = eventType + "/" + version;
    long now = generation.get();
    Missing known = missing.get(key);
    if (known != null && known.generation() >= now) {
      return known;
    }
    synchronized (this) {
      if (compiled.containsKey(key)) {
        return null;
      }
      known = missing.get(key);
      if (known != null && known.generation() >= now) {
        return known;
      }
      Optional<String> text = read(eventType, version);
      if (text.isEmpty()) {
        Missing none = new Missing(now, null);
        missing.put(key, none);
        return none;
      }
      String problem;
      try {
        problem = vet(eventType, version, text.get());
      } catch (RuntimeException e) {
        problem = "it does not compile: " + e.getMessage();
      }
      if (problem != null) {
        if (rejected.put(key, problem) == null || !problem.equals(known == null ? null : known.rejection())) {
          rejections.incrementAndGet();
          LOG.warn("schema {} in {} rejected, events of this version stay UNKNOWN_SCHEMA: {}", key,
              store.describe(), problem);
        }
        Missing bad = new Missing(now, problem);
        missing.put(key, bad);
        return bad;
      }
      rejected.remove(key);
      missing.remove(key);
      compiled.put(key, registry.getSchema(text.get()));
      LOG.info("schema {} loaded from {}", key, store.describe());
      return null;
    }
  }

  private Optional<String> read(String eventType, String version) {
    Optional<InputStream> in = store.open(eventType, version);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream stream = in.get()) {
      return Optional.of(new String(stream.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read schema " + eventType + "/" + version, e);
    }
  }

  /**
   * Why a schema must not be used, or null when it may: it must be a JSON object that compiles,
   * each of its {@code examples} must conform to it, and an ADDITION must accept every example of
   * the version before it (SchemaVer: an ADDITION accepts every payload its predecessor accepted).
   */
  private String vet(String eventType, String version, String text) {
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JacksonException e) {
      return "it is not valid JSON (line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ")";
    }
    if (node == null || !node.isObject()) {
      return "it is not a JSON object";
    }
    Schema schema = registry.getSchema(text);
    schema.validate(json.createObjectNode()); // compiles every keyword now, so a broken one fails here
    List<JsonNode> own = examples(node);
    for (int i = 0; i < own.size(); i++) {
      List<Error> errors = schema.validate(own.get(i));
      if (!errors.isEmpty()) {
        return "its example " + i + " does not conform to it: " + describe(errors);
      }
    }
    String previous = SchemaVer.parse(version).previousAddition();
    if (previous != null) {
      Optional<String> before = read(eventType, previous);
      if (before.isEmpty()) {
        return "it is an ADDITION of " + eventType + "/" + previous + ", which does not exist";
      }
      List<JsonNode> earlier;
      try {
        earlier = examples(json.readTree(before.get()));
      } catch (JacksonException e) {
        return "the version it adds to, " + previous + ", is not valid JSON";
      }
      for (int i = 0; i < earlier.size(); i++) {
        List<Error> errors = schema.validate(earlier.get(i));
        if (!errors.isEmpty()) {
          return "it is not an ADDITION of " + previous + ": that version's example " + i
              + " does not conform to it: " + describe(errors);
        }
      }
    }
    return null;
  }

  private static List<JsonNode> examples(JsonNode schema) {
    JsonNode examples = schema == null ? null : schema.get("examples");
    if (examples == null || !examples.isArray()) {
      return List.of();
    }
    List<JsonNode> all = new java.util.ArrayList<>();
    examples.forEach(all::add);
    return all;
  }

  private static String describe(List<Error> errors) {
    Error first = errors.get(0);
    return (first.getInstanceLocation() == null ? "" : first.getInstanceLocation() + " ") + first.getMessage()
        + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "");
  }

  /**
   * Makes versions found missing or rejected be looked up again: one published (or fixed) since is
   * used from now on. Versions in use are not read again: a published version never changes.
   */
  public void refresh() {
    generation.incrementAndGet();
    refreshedAt = java.time.Instant.now();
  }

  /** Schema versions in use: a gauge, so no I/O. */
  public int loadedCount() {
    return compiled.size();
  }

  /** Schema versions rejected and not fixed since: a gauge, so no I/O. */
  public int rejectedCount() {
    return rejected.size();
  }

  /** What the validator knows, with the location's listing (I/O): for the listing endpoint. */
  public Status status() {
    java.util.SortedSet<String> loaded = new java.util.TreeSet<>(compiled.keySet());
    return new Status(store.describe(), store.list(), loaded, new java.util.TreeMap<>(rejected),
        generation.get(), refreshedAt, rejections.get());
  }

  /**
   * @param available every schema the location holds (empty when it cannot be listed)
   * @param loaded versions in use, {@code type/version}
   * @param rejected versions rejected since start (and not fixed since), with why
   * @param refreshes refreshes since start
   * @param rejections how many times a version was rejected
   */
  public record Status(String location,
                       Optional<java.util.SortedMap<String, java.util.SortedSet<String>>> available,
                       java.util.SortedSet<String> loaded, java.util.SortedMap<String, String> rejected,
                       long refreshes, java.time.Instant refreshedAt, long rejections) {}

  private Validation check(Schema schema, ByteString payloadJson) {
    JsonNode payload;
    try {
      // One copy of a small array: Jackson reads an array faster than a stream over it.
      payload = json.readTree(payloadJson.toByteArray());
    } catch (JacksonException e) {
      return new Validation.Invalid(List.of(Violation.newBuilder()
          .setPointer("/payload").setKeyword("json")
          .setMessage("payload is not valid JSON").build()));
    }
    if (payload == null || payload.isMissingNode()) {
      return new Validation.Invalid(List.of(Violation.newBuilder()
          .setPointer("/payload").setKeyword("json")
          .setMessage("payload is not valid JSON").build()));
    }
    List<Error> errors = schema.validate(payload);
    if (errors.isEmpty()) {
      return Validation.VALID;
    }
    return new Validation.Invalid(errors.stream().map(PayloadValidator::toViolation).toList());
  }

  private static Violation toViolation(Error error) {
    String pointer = error.getInstanceLocation() == null ? "" : error.getInstanceLocation().toString();
    // The library reports the root as "" (JSON Pointer) and children as "/a/0/b".
    return Violation.newBuilder()
        .setPointer("/payload" + pointer)
        .setMessage(error.getMessage() == null ? "" : error.getMessage())
        .setKeyword(error.getKeyword() == null ? "" : error.getKeyword())
        .build();
  }

  // Names come from producers: never echo arbitrary bytes or lengths into a dead letter message.
  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
