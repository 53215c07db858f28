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
 * <p>Compiled schemas are cached for the life of the process, including the answer "there is none",
 * so an unknown type costs one lookup, not one per event: a schema added to a directory location
 * is seen after a restart. Thread-safe.
 */
public final class PayloadValidator {

  // Names become path segments: anything else could point outside the schema location.
  private static final Pattern EVENT_TYPE = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final Pattern SCHEMA_VER = Pattern.compile("[1-9][0-9]{0,5}-(0|[1-9][0-9]{0,5})-(0|[1-9][0-9]{0,5})");

  private final SchemaStore store;
  private final SchemaRegistry registry;
  private final JsonMapper json = JsonMapper.builder().build();
  private final ConcurrentMap<String, Optional<Schema>> compiled = new ConcurrentHashMap<>();
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
    Optional<Schema> schema = compiled.get(eventType + "/" + version);
    if (schema == null) {
      if (!EVENT_TYPE.matcher(eventType).matches() || !SCHEMA_VER.matcher(version).matches()) {
        return new Validation.UnknownSchema("no schema for event type '" + printable(eventType)
            + "' version '" + printable(version) + "'");
      }
      schema = compiled.computeIfAbsent(eventType + "/" + version, k -> load(eventType, version));
    }
    if (schema.isEmpty()) {
      return new Validation.UnknownSchema("no schema for event type '" + eventType + "' version '"
          + version + "' in " + store.describe());
    }
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
    List<Error> errors = schema.get().validate(payload);
    if (errors.isEmpty()) {
      return Validation.VALID;
    }
    return new Validation.Invalid(errors.stream().map(PayloadValidator::toViolation).toList());
  }

  private Optional<Schema> load(String eventType, String version) {
    Optional<InputStream> in = store.open(eventType, version);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream stream = in.get()) {
      return Optional.of(registry.getSchema(stream));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read schema " + eventType + "/" + version, e);
    }
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
