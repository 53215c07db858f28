package dev.millrace.collector.config;

import dev.millrace.proto.WireNames;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every setting of the collector, bound from {@code millrace.collector.*} (each key also works as an
 * environment variable, e.g. {@code MILLRACE_COLLECTOR_LIMITS_MAX_BATCH_EVENTS}). Single-key rules are
 * Bean Validation annotations; rules that span keys are in {@link #validate()}, which runs while the
 * record is bound, before any connection is tried.
 *
 * @param instanceId id of this collector instance, stamped on every event; defaults to the host name
 * @param writeKeys write key id to the lower-case hex SHA-256 of the key; the key itself is never stored
 * @param trustedProxies IPs or CIDR blocks of proxies whose {@code X-Forwarded-For} is believed
 * @param partitionKey what keys a raw-topic record
 * @param maxInFlightBytes cap on event bytes sent to Kafka but not yet acknowledged; past it, 503
 * @param memoryBudget everything held on behalf of requests (bodies as read and decompressed, gRPC
 *     messages, decoded events, records until acknowledged, a stream's answers); past it, 503 /
 *     RESOURCE_EXHAUSTED
 * @param retryAfter the {@code Retry-After} a 503 carries
 * @param kafkaProbeInterval how often the broker's reachability is probed (readiness and fast 503)
 * @param segment Segment's HTTP tracking API ({@code POST /v1/batch}, ...)
 * @param snowplow Snowplow's tracker protocol ({@code POST /com.snowplowanalytics.snowplow/tp2}, {@code GET /i})
 * @param cors which browser origins may send with which write key
 * @param kafka passed unchanged to the Kafka producer and admin client (e.g. {@code bootstrap.servers})
 */
@ConfigurationProperties("millrace.collector")
@Validated
public record CollectorProperties(
    String instanceId,
    @NotNull Map<String, String> writeKeys,
    @NotNull List<String> trustedProxies,
    @NotNull @DefaultValue("EVENT_ID") PartitionKey partitionKey,
    @NotNull @DefaultValue("64MB") DataSize maxInFlightBytes,
    @NotNull @DefaultValue("128MB") DataSize memoryBudget,
    @NotNull @DefaultValue("1s") Duration retryAfter,
    @NotNull @DefaultValue("2s") Duration kafkaProbeInterval,
    @Valid @NotNull @DefaultValue Topics topics,
    @Valid @NotNull @DefaultValue Limits limits,
    @Valid @NotNull @DefaultValue Grpc grpc,
    @Valid @NotNull @DefaultValue Segment segment,
    @Valid @NotNull @DefaultValue Snowplow snowplow,
    @Valid @NotNull @DefaultValue Cors cors,
    @NotNull Map<String, String> kafka) {

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  public CollectorProperties {
    instanceId = instanceId == null || instanceId.isBlank() ? hostName() : instanceId;
    writeKeys = writeKeys == null ? Map.of() : Map.copyOf(writeKeys);
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    kafka = kafka == null ? Map.of() : Map.copyOf(kafka);
    validate(writeKeys, trustedProxies, kafka, maxInFlightBytes, memoryBudget, limits, grpc);
    validateTrackers(writeKeys, limits, segment, snowplow, cors);
  }

  private static final Pattern EVENT_TYPE = Pattern.compile("[a-z][a-z0-9_]{0,127}");
  private static final Pattern SCHEMA_VER = Pattern.compile("[1-9][0-9]{0,8}-(0|[1-9][0-9]{0,8})-(0|[1-9][0-9]{0,8})");
  private static final Pattern ORIGIN = Pattern.compile("\\*|https?://[^/?#\\s]+");

  /** The tracker protocols' keys, checked against the write keys and limits they refer to. */
  private static void validateTrackers(Map<String, String> writeKeys, Limits limits, Segment segment,
                                       Snowplow snowplow, Cors cors) {
    if (segment != null) {
      segment.trackEvents().forEach((name, target) -> {
        if (!EVENT_TYPE.matcher(name).matches()) {
          throw new IllegalArgumentException("millrace.collector.segment.track-events." + name
              + ": the key must be a normalised track name (lower snake case, e.g. order_completed)");
        }
        String[] typeAndVersion = target.split(":", -1);
        if (typeAndVersion.length > 2 || !EVENT_TYPE.matcher(typeAndVersion[0]).matches()
            || (typeAndVersion.length == 2 && !SCHEMA_VER.matcher(typeAndVersion[1]).matches())) {
          throw new IllegalArgumentException("millrace.collector.segment.track-events." + name
              + " must be an event type, optionally with a SchemaVer version: purchase or purchase:1-0-0");
        }
      });
    }
    if (snowplow != null) {
      snowplow.appIds().forEach((appId, keyId) -> {
        if (!writeKeys.containsKey(keyId)) {
          throw new IllegalArgumentException("millrace.collector.snowplow.app-ids." + appId
              + " names the write key id '" + keyId + "', which is not in millrace.collector.write-keys");
        }
      });
    }
    if (cors != null) {
      cors.allowedOrigins().forEach((keyId, origins) -> {
        if (!writeKeys.containsKey(keyId)) {
          throw new IllegalArgumentException("millrace.collector.cors.allowed-origins." + keyId
              + ": no such write key id in millrace.collector.write-keys");
        }
        for (String origin : origins) {
          if (!ORIGIN.matcher(origin).matches()) {
            throw new IllegalArgumentException("millrace.collector.cors.allowed-origins." + keyId
                + ": '" + origin + "' is not an origin (scheme://host[:port], or * for any)");
          }
        }
      });
    }
  }

  /**
   * How many times its own size one request may hold at its peak: a REST body as read and
   * decompressed, or a gRPC message, then its decoded events (up to twice the body: each event keeps
   * a copy of its text and of its payload), then its Kafka records. The memory budget must admit
   * one request of the largest size next to one gRPC stream's full window.
   */
  static final int REQUEST_PEAK_FACTOR = 4;

  /**
   * The rules that span keys. Messages name the key as it is written in configuration, so a
   * failed start-up says which line to fix.
   */
  private static void validate(Map<String, String> writeKeys, List<String> trustedProxies,
                               Map<String, String> kafka, DataSize maxInFlightBytes,
                               DataSize memoryBudget, Limits limits, Grpc grpc) {
    if (writeKeys.isEmpty()) {
      throw new IllegalArgumentException(
          "millrace.collector.write-keys must map at least one key id to the SHA-256 of its key");
    }
    writeKeys.forEach((id, hash) -> {
      if (hash == null || !SHA256_HEX.matcher(hash).matches()) {
        throw new IllegalArgumentException("millrace.collector.write-keys." + id
            + " must be the SHA-256 of the key as 64 lower-case hex digits");
      }
    });
    for (int i = 0; i < trustedProxies.size(); i++) {
      try {
        CidrBlock.parse(trustedProxies.get(i));
      } catch (IllegalArgumentException e) {
        // no cause chained: the root cause's message is the one a failed start-up shows
        throw new IllegalArgumentException("millrace.collector.trusted-proxies[" + i + "] "
            + e.getMessage());
      }
    }
    String servers = kafka.get("bootstrap.servers");
    if (servers == null || servers.isBlank()) {
      throw new IllegalArgumentException("millrace.collector.kafka.bootstrap.servers is required");
    }
    String acks = kafka.getOrDefault("acks", "all");
    if (!acks.equals("all") && !acks.equals("-1")) {
      throw new IllegalArgumentException("millrace.collector.kafka.acks must be all (or -1): "
          + "a 2xx promises the event is durably in Kafka");
    }
    if ("false".equalsIgnoreCase(kafka.get("enable.idempotence"))) {
      throw new IllegalArgumentException("millrace.collector.kafka.enable.idempotence must stay true: "
          + "producer retries must not duplicate events");
    }
    if (limits != null) {
      if (limits.maxEventBytes().toBytes() > limits.maxBodyBytes().toBytes()) {
        throw new IllegalArgumentException("millrace.collector.limits.max-event-bytes ("
            + bytes(limits.maxEventBytes()) + ") must not exceed millrace.collector.limits.max-body-bytes ("
            + bytes(limits.maxBodyBytes()) + ")");
      }
      if (maxInFlightBytes != null && maxInFlightBytes.toBytes() < 2 * limits.maxBodyBytes().toBytes()) {
        throw new IllegalArgumentException("millrace.collector.max-in-flight-bytes (" + bytes(maxInFlightBytes)
            + ") must be at least twice millrace.collector.limits.max-body-bytes ("
            + bytes(limits.maxBodyBytes()) + ")");
      }
      if (grpc != null && grpc.maxInboundMessageBytes().toBytes() < limits.maxEventBytes().toBytes()) {
        throw new IllegalArgumentException("millrace.collector.grpc.max-inbound-message-bytes ("
            + bytes(grpc.maxInboundMessageBytes()) + ") must be at least millrace.collector.limits.max-event-bytes ("
            + bytes(limits.maxEventBytes()) + ")");
      }
      if (memoryBudget != null && grpc != null && grpc.streamWindow() != null) {
        boolean body = limits.maxBodyBytes().toBytes() >= grpc.maxInboundMessageBytes().toBytes();
        DataSize largest = body ? limits.maxBodyBytes() : grpc.maxInboundMessageBytes();
        long needed = REQUEST_PEAK_FACTOR * largest.toBytes() + grpc.streamWindow().toBytes();
        if (memoryBudget.toBytes() < needed) {
          throw new IllegalArgumentException("millrace.collector.memory-budget (" + bytes(memoryBudget)
              + ") must be at least " + REQUEST_PEAK_FACTOR + " times millrace.collector."
              + (body ? "limits.max-body-bytes" : "grpc.max-inbound-message-bytes") + " ("
              + bytes(largest) + ") plus millrace.collector.grpc.stream-window (" + bytes(grpc.streamWindow())
              + "), " + needed + " bytes: a request of the largest size holds up to " + REQUEST_PEAK_FACTOR
              + " times its size at once, and must fit beside one stream's window");
        }
      }
    }
  }

  private static String bytes(DataSize size) {
    return size.toBytes() + " bytes";
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "collector";
    }
  }

  /**
   * @param raw accepted events ({@code RawEvent})
   * @param deadLetter refused events ({@code DeadLetter}, stage COLLECTOR)
   */
  public record Topics(
      @NotBlank @DefaultValue(WireNames.RAW_TOPIC) String raw,
      @NotBlank @DefaultValue(WireNames.COLLECTOR_DEAD_LETTER_TOPIC) String deadLetter) {}

  /**
   * @param maxBodyBytes a request body, as sent and after gzip decompression; past it, 413
   * @param maxBatchEvents events in one request (or one gRPC message); past it, 413
   * @param maxStreamEvents events over one gRPC stream; past it, RESOURCE_EXHAUSTED
   * @param maxEventBytes one event's JSON (REST) or Protobuf (gRPC) size; past it, EVENT_TOO_LARGE
   * @param maxFieldChars length of any text field other than the payload; past it, INVALID_FIELD
   * @param maxPayloadDepth nesting of objects and arrays in the payload; past it, INVALID_FIELD
   * @param maxFutureSkew how far after the collector's clock occurred_at may be; past it, CLOCK_SKEW
   * @param maxPastAge how far before the collector's clock occurred_at may be; past it, CLOCK_SKEW
   */
  public record Limits(
      @NotNull @DefaultValue("8MB") DataSize maxBodyBytes,
      @Min(1) @Max(100_000) @DefaultValue("1000") int maxBatchEvents,
      @Min(1) @DefaultValue("1000000") int maxStreamEvents,
      @NotNull @DefaultValue("256KB") DataSize maxEventBytes,
      @Min(1) @DefaultValue("8192") int maxFieldChars,
      @Min(1) @Max(500) @DefaultValue("64") int maxPayloadDepth,
      @NotNull @DefaultValue("10m") Duration maxFutureSkew,
      @NotNull @DefaultValue("30d") Duration maxPastAge) {}

  /**
   * @param port gRPC port (0 = any free port)
   * @param maxInboundMessageBytes largest gRPC message accepted; larger ones get RESOURCE_EXHAUSTED
   * @param shutdownGrace how long shutdown waits for running calls before cancelling them
   * @param streamWindow record bytes of one stream awaiting Kafka's acknowledgement past which the
   *     stream's next message is not read until acks arrive (back-pressure, not an error)
   */
  public record Grpc(
      @Min(0) @Max(65535) @DefaultValue("9090") int port,
      @NotNull @DefaultValue("8MB") DataSize maxInboundMessageBytes,
      @NotNull @DefaultValue("30s") Duration shutdownGrace,
      @NotNull @DefaultValue("8MB") DataSize streamWindow) {}

  /**
   * @param maxBatchBytes a Segment request body, after decompression; past it (or past
   *     {@code limits.max-body-bytes}, if lower), 413 (Segment's own limit is 500 KB, and its SDKs
   *     batch below it)
   * @param maxMessageBytes one Segment message; past it, that message is dead-lettered
   *     EVENT_TOO_LARGE (Segment's limit: 32 KB)
   * @param trackEvents a normalised track name to the event type (optionally {@code type:version})
   *     it is sent as, e.g. {@code order_completed=purchase}; an unmapped name is its own event type
   */
  public record Segment(
      @NotNull @DefaultValue("500KB") DataSize maxBatchBytes,
      @NotNull @DefaultValue("32KB") DataSize maxMessageBytes,
      Map<String, String> trackEvents) {

    public Segment {
      trackEvents = trackEvents == null ? Map.of() : Map.copyOf(trackEvents);
    }
  }

  /**
   * @param appIds a Snowplow app id ({@code aid}) to the write key id its events are accepted
   *     under, for trackers that cannot send a write key (browsers, most Snowplow SDKs)
   */
  public record Snowplow(Map<String, String> appIds) {

    public Snowplow {
      appIds = appIds == null ? Map.of() : Map.copyOf(appIds);
    }
  }

  /**
   * @param allowedOrigins a write key id to the browser origins ({@code https://shop.example}, or
   *     {@code *} for any) that may send with it; a browser request from any other origin gets 403
   */
  public record Cors(Map<String, List<String>> allowedOrigins) {

    public Cors {
      allowedOrigins = allowedOrigins == null ? Map.of() : Map.copyOf(allowedOrigins);
    }
  }
}
