package dev.millrace.realtime.privacy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.millrace.enrichment.ItemFailure;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.ip.IpAnonymizer;
import dev.millrace.enrichment.pii.Pseudonymizer;
import dev.millrace.proto.v1.CollectorMetadata;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.realtime.privacy.SanitizedOriginal.OriginalEvent;
import java.time.DateTimeException;
import java.time.Instant;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What of a dead letter may reach Elasticsearch. Dead letters carry the record they were made from
 * (the producer's event with its user ids, IP and payload) and the client IP, none of it
 * pseudonymised yet; the index is read by more people than the access-controlled dead-letter
 * topics. So a dead letter's document shows the original only as the enrichment API would have
 * passed it on: the IPs anonymised with the API's {@link IpAnonymizer}, the configured context ids
 * and payload paths pseudonymised with the API's {@link Pseudonymizer}, both built from the same
 * {@link EnrichmentConfig} (the same {@code millrace.enrichment.*} keys; see the README). Its
 * bytes never reach the index; they stay on the topic, for replay.
 *
 * <p>What cannot be sanitised is withheld, never indexed raw: an original that does not parse as
 * what its stage writes is shown only by its size and format {@code unreadable}; a payload the API
 * would refuse (not a JSON object, a key twice, a wrong type at a PII path) is left out; and with
 * PII pseudonymisation on but no key configured, no original is shown at all. Thread-safe.
 */
public final class DeadLetterPrivacy {

  /** The original did not parse as what its stage writes: only its size is shown. */
  public static final String UNREADABLE = "unreadable";
  /** PII pseudonymisation is on, but this loader has no key: no original is shown. */
  public static final String PII_KEY_NOT_CONFIGURED = "pii_key_not_configured";
  /** No enrichment configuration was given to this mapper at all: no original, no IP. */
  public static final String NOT_CONFIGURED = "privacy_not_configured";
  /** The payload cannot be pseudonymised as the API would (the API would refuse the item). */
  public static final String PAYLOAD_NOT_PSEUDONYMISABLE = "payload_not_pseudonymisable";

  /** Only to check that a payload shown is exactly one JSON object, with no key twice. */
  private static final JsonMapper STRICT = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private final boolean ipsKnown;
  private final IpAnonymizer ips;
  private final Pseudonymizer pii;
  private final String withheld;
  private final String description;

  private DeadLetterPrivacy(boolean ipsKnown, IpAnonymizer ips, Pseudonymizer pii, String withheld,
                            String description) {
    this.ipsKnown = ipsKnown;
    this.ips = ips;
    this.pii = pii;
    this.withheld = withheld;
    this.description = description;
  }

  /** Sanitises exactly as the enrichment API configured by {@code config} does. */
  public static DeadLetterPrivacy of(EnrichmentConfig config) {
    EnrichmentConfig.Ip ip = config.ip();
    EnrichmentConfig.Pii p = config.pii();
    return new DeadLetterPrivacy(true, anonymizer(ip), p.mode().on() ? new Pseudonymizer(p) : null, null,
        "originals shown pseudonymised as the enrichment API does (" + ip + ", " + p + ")");
  }

  /**
   * PII pseudonymisation is on but the key is missing: IPs are still anonymised (that needs no
   * key), no original is shown.
   */
  public static DeadLetterPrivacy withoutPiiKey(EnrichmentConfig.Ip ip) {
    return new DeadLetterPrivacy(true, anonymizer(ip), null, PII_KEY_NOT_CONFIGURED,
        "originals withheld: millrace.enrichment.pii.key is not set (" + ip + ")");
  }

  /** No configuration at all (e.g. a mapper built for a benchmark): no original, no client IP. */
  public static DeadLetterPrivacy withholdEverything() {
    return new DeadLetterPrivacy(false, null, null, NOT_CONFIGURED,
        "originals and client IPs withheld: no enrichment configuration");
  }

  private static IpAnonymizer anonymizer(EnrichmentConfig.Ip ip) {
    return ip.mode().on() ? new IpAnonymizer(ip.ipv4OctetsKept(), ip.ipv6BitsKept()) : null;
  }

  /** True when originals are shown (pseudonymised); false when every original is withheld. */
  public boolean showsOriginals() {
    return withheld == null;
  }

  /** For the start-up log line and the health details; never holds the key. */
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return "DeadLetterPrivacy[" + description + "]";
  }

  /**
   * An IP as the enrichment API passes it on: anonymised, or empty when it is not an IP literal
   * (never passed on; the API's {@code FAIL_ITEM} has no item to fail here); unchanged when the
   * API's IP anonymisation is off.
   */
  public String ip(String ip) {
    if (!ipsKnown) {
      return "";
    }
    if (ip.isEmpty() || ips == null) {
      return ip;
    }
    return ips.anonymize(ip).orElse("");
  }

  /** The collector's metadata with its client IP as the API passes it on. */
  public CollectorMetadata metadata(CollectorMetadata metadata) {
    return metadata.toBuilder().setClientIp(ip(metadata.getClientIp())).build();
  }

  /** What a dead letter read from a dead-letter topic may show of its original. */
  public SanitizedOriginal original(DeadLetter deadLetter) {
    byte[] bytes = deadLetter.getOriginal().toByteArray();
    if (bytes.length == 0) {
      return null;
    }
    String format;
    Read read;
    if (deadLetter.getStage() == Stage.STAGE_COLLECTOR) {
      boolean json = switch (deadLetter.getMetadata().getTransport()) {
        case TRANSPORT_REST, TRANSPORT_SEGMENT, TRANSPORT_SNOWPLOW -> true;
        case TRANSPORT_GRPC -> false;
        default -> firstNonBlank(bytes) == '{';
      };
      format = json ? "event_json" : "event_protobuf";
      read = json ? fromJson(bytes) : fromEvent(bytes);
    } else if (deadLetter.getStage() == Stage.STAGE_ENRICHER && deadLetter.getReason() != ReasonCode.UNDECODABLE) {
      format = "raw_event";
      read = fromRawEvent(bytes);
    } else {
      // The enricher could not decode it, or a stage whose originals this loader does not know.
      format = UNREADABLE;
      read = null;
    }
    return sanitize(format, bytes.length, read, true);
  }

  /**
   * What one of the loader's own dead letters may show of the Kafka record it was made from: an
   * enriched event (already pseudonymised by the enrichment, as in the events index, so shown as it
   * is: pseudonymising it again would change its pseudonyms), or nothing.
   */
  public SanitizedOriginal loaderOriginal(ReasonCode reason, byte[] value) {
    if (value == null || value.length == 0) {
      return null;
    }
    Read read = reason == ReasonCode.INDEX_REJECTED ? fromEnrichedEvent(value) : null;
    return sanitize(read == null ? UNREADABLE : "enriched_event", value.length, read, false);
  }

  private SanitizedOriginal sanitize(String format, int bytes, Read read, boolean pseudonymise) {
    if (read == null) {
      return new SanitizedOriginal(UNREADABLE, bytes, UNREADABLE, null);
    }
    if (withheld != null && pseudonymise) {
      return new SanitizedOriginal(format, bytes, withheld, null);
    }
    Context context = read.context();
    String payload = read.payloadJson();
    String payloadWithheld = read.payloadNotObject() ? PAYLOAD_NOT_PSEUDONYMISABLE : null;
    CollectorMetadata metadata = read.metadata();
    if (pseudonymise) {
      // As Enrichments.enrich: the IPs first, then the context ids and the payload paths.
      if (context != null) {
        Context.Builder c = context.toBuilder().setIp(ip(context.getIp()));
        if (pii != null) {
          pii.pseudonymizeContext(c);
        }
        context = c.build();
      }
      if (metadata != null) {
        metadata = metadata(metadata);
      }
      if (payload != null && pii != null) {
        try {
          payload = pii.pseudonymizePayload(read.eventType(), payload);
        } catch (ItemFailure e) {
          payload = null;
          payloadWithheld = PAYLOAD_NOT_PSEUDONYMISABLE;
        }
      }
    }
    if (payload != null && !isOneObject(payload)) {
      // Also what makes it safe to write the payload into the document as raw JSON.
      payload = null;
      payloadWithheld = PAYLOAD_NOT_PSEUDONYMISABLE;
    }
    if (payload != null && payload.isEmpty()) {
      payload = null;
    }
    return new SanitizedOriginal(format, bytes, payloadWithheld,
        new OriginalEvent(read.eventId(), read.eventType(), read.schemaVersion(), read.occurredAt(),
            read.source(), context, payload, metadata));
  }

  /** An event read from an original, before sanitising. */
  private record Read(String eventId, String eventType, String schemaVersion, String occurredAt,
                      String source, Context context, String payloadJson, boolean payloadNotObject,
                      CollectorMetadata metadata) {

    static Read of(Event e, CollectorMetadata metadata) {
      return new Read(e.getEventId(), e.getEventType(), e.getSchemaVersion(),
          e.hasOccurredAt() ? text(e.getOccurredAt()) : "", e.getSource(),
          e.hasContext() ? e.getContext() : null, e.getPayloadJson(), false, metadata);
    }
  }

  private static Read fromJson(byte[] bytes) {
    CollectorJson.Read r = CollectorJson.read(bytes);
    return r == null ? null : new Read(r.eventId(), r.eventType(), r.schemaVersion(), r.occurredAt(),
        r.source(), r.context(), r.payloadJson(), r.payloadNotObject(), null);
  }

  private static Read fromEvent(byte[] bytes) {
    try {
      return Read.of(Event.parseFrom(bytes), null);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private static Read fromRawEvent(byte[] bytes) {
    try {
      RawEvent raw = RawEvent.parseFrom(bytes);
      return Read.of(raw.getEvent(), raw.hasMetadata() ? raw.getMetadata() : null);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private static Read fromEnrichedEvent(byte[] bytes) {
    try {
      RawEvent raw = EnrichedEvent.parseFrom(bytes).getRaw();
      return Read.of(raw.getEvent(), raw.hasMetadata() ? raw.getMetadata() : null);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private static boolean isOneObject(String json) {
    if (json.isEmpty()) {
      return true;
    }
    try (JsonParser p = STRICT.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      p.skipChildren();
      return p.nextToken() == null;
    } catch (JacksonException e) {
      return false;
    }
  }

  private static int firstNonBlank(byte[] bytes) {
    for (byte b : bytes) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return b;
      }
    }
    return -1;
  }

  private static String text(Timestamp ts) {
    try {
      return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos()).toString();
    } catch (DateTimeException | ArithmeticException e) {
      return ts.getSeconds() + "s";
    }
  }
}
