package dev.millrace.collector.ingest;

import dev.millrace.collector.auth.WriteKeys;
import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.memory.OverBudgetException;
import dev.millrace.collector.sink.SinkUnavailableException;
import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.collector.validate.JsonEventDecoder;
import dev.millrace.collector.validate.MalformedBodyException;
import dev.millrace.collector.validate.TooManyEventsException;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.Transport;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.zip.GZIPInputStream;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * {@code POST /v1/events}: the REST edge. The body is read by hand (not bound by Spring) so that
 * each limit is enforced before the next step costs anything: write key, media type, declared
 * length, bytes read, bytes after gzip, event count. The answer is sent only after Kafka
 * acknowledged every record of the request (async: no servlet thread waits for the broker).
 *
 * <p>What the request holds is reserved in the memory budget before it is held: the declared body
 * before it is read (or each chunk of a body of unknown length), each chunk of the decompressed
 * body, the decoded events (twice the body: each keeps a copy of its text and of its payload), and
 * each record and answer (see {@link Ingestion}). The body and the decoded events are given back
 * once the records are built, the rest once the answer is made. A request the budget cannot take
 * is answered 503 with {@code Retry-After}, having claimed nothing accepted.
 */
@RestController
public class RestIngest {

  public static final String REQUEST_ID_HEADER = "X-Request-Id";
  private static final JsonFactory JSON = JsonFactory.builder().build();

  private final WriteKeys writeKeys;
  private final JsonEventDecoder decoder;
  private final Ingestion ingestion;
  private final ClientIps clientIps;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final long maxBodyBytes;
  private final Duration retryAfter;
  private final MemoryBudget budget;

  public RestIngest(WriteKeys writeKeys, JsonEventDecoder decoder, Ingestion ingestion,
                    ClientIps clientIps, IngestMetrics metrics, Clock clock, long maxBodyBytes,
                    Duration retryAfter, MemoryBudget budget) {
    this.writeKeys = writeKeys;
    this.decoder = decoder;
    this.ingestion = ingestion;
    this.clientIps = clientIps;
    this.metrics = metrics;
    this.clock = clock;
    // one array holds the body: the JSON parser cuts each event's payload out of it
    this.maxBodyBytes = Math.min(maxBodyBytes, Integer.MAX_VALUE - 8);
    this.retryAfter = retryAfter;
    this.budget = budget;
  }

  @PostMapping("/v1/events")
  public CompletableFuture<ResponseEntity<byte[]>> post(HttpServletRequest request) throws IOException {
    long started = System.nanoTime();
    Instant receivedAt = clock.instant();
    String requestId = UUID.randomUUID().toString();
    CompletableFuture<ResponseEntity<byte[]>> answer;
    String refusedAs = null;
    try {
      answer = handle(request, requestId, receivedAt);
    } catch (Refusal refusal) {
      answer = CompletableFuture.completedFuture(refusal.response);
      refusedAs = refusal.outcome;
    }
    String fixedOutcome = refusedAs;
    return answer.whenComplete((response, e) -> metrics.request(Transport.TRANSPORT_REST,
        fixedOutcome != null ? fixedOutcome
            : response == null ? "error" : outcome(response.getStatusCode().value()),
        Duration.ofNanos(System.nanoTime() - started)));
  }

  private CompletableFuture<ResponseEntity<byte[]>> handle(HttpServletRequest request, String requestId,
                                                           Instant receivedAt) throws IOException, Refusal {
    Optional<String> keyId = writeKeys.authenticate(request.getHeader(WireNames.WRITE_KEY_HTTP_HEADER));
    if (keyId.isEmpty()) {
      throw refuse(HttpStatus.UNAUTHORIZED, "Unauthorized", "a valid "
          + WireNames.WRITE_KEY_HTTP_HEADER + " header is required", requestId);
    }
    checkMediaType(request.getContentType(), requestId);
    boolean gzip = gzip(request.getHeader(HttpHeaders.CONTENT_ENCODING), requestId);
    long declared = request.getContentLengthLong();
    if (declared > maxBodyBytes) {
      throw tooLarge(requestId);
    }
    MemoryBudget.Lease lease = budget.lease();
    boolean handedOff = false;
    try {
      CompletableFuture<ResponseEntity<byte[]>> answer =
          ingest(request, requestId, receivedAt, keyId.get(), gzip, declared, lease);
      handedOff = true;
      // acknowledged or failed: the producer holds nothing of the request any more
      return answer.whenComplete((response, e) -> lease.close());
    } catch (OverBudgetException e) {
      metrics.overBudget(Transport.TRANSPORT_REST);
      throw new Refusal(Problems.unavailable(OverBudgetException.ANSWER, requestId, retryAfter), "over_budget");
    } finally {
      if (!handedOff) {
        lease.close();
      }
    }
  }

  /** The request from its body on, with everything it holds reserved in {@code lease}. */
  private CompletableFuture<ResponseEntity<byte[]>> ingest(HttpServletRequest request, String requestId,
      Instant receivedAt, String keyId, boolean gzip, long declared, MemoryBudget.Lease lease)
      throws IOException, Refusal {
    byte[] body;
    try {
      body = declared >= 0
          ? RequestBodies.readDeclared(request.getInputStream(), (int) declared, lease)
          : RequestBodies.readUpTo(request.getInputStream(), maxBodyBytes, lease);
    } catch (RequestBodies.TooLargeException e) {
      throw tooLarge(requestId);
    }
    if (gzip) {
      byte[] inflated = gunzip(body, lease, requestId);
      lease.release(body.length);
      body = inflated;
    }
    // Each decoded event keeps a copy of its text and of its payload, both slices of the body.
    long decoded = 2L * body.length;
    lease.reserve(decoded);
    List<CheckedEvent> events;
    try {
      events = decoder.decode(body);
    } catch (MalformedBodyException e) {
      throw new Refusal(Problems.problem(HttpStatus.BAD_REQUEST, "Malformed JSON", e.getMessage(),
          requestId, Map.of("where", Map.of("line", e.line(), "column", e.column()))));
    } catch (TooManyEventsException e) {
      throw refuse(HttpStatus.CONTENT_TOO_LARGE, "Content Too Large", e.getMessage(), requestId);
    }
    lease.release(body.length);
    body = null; // what the budget no longer counts must not stay reachable from this frame
    String clientIp = clientIps.resolve(request.getRemoteAddr(), forwardedFor(request));
    RequestInfo info = new RequestInfo(requestId, receivedAt, clientIp, keyId, Transport.TRANSPORT_REST);
    Ingestion.Prepared prepared = ingestion.prepare(info, events, lease, lease);
    events = null;
    lease.release(decoded);
    CompletableFuture<Ingestion.Part> sent;
    try {
      sent = ingestion.send(prepared, Transport.TRANSPORT_REST);
    } catch (SinkUnavailableException e) {
      return CompletableFuture.completedFuture(Problems.unavailable(e.getMessage(), requestId, retryAfter));
    }
    return sent.handle((p, e) -> {
      if (e != null) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return Problems.unavailable(cause instanceof SinkUnavailableException ? cause.getMessage()
            : "Kafka did not acknowledge the request", requestId, retryAfter);
      }
      return ok(Ingestion.result(requestId, List.of(p)), requestId);
    });
  }

  private static ResponseEntity<byte[]> ok(BatchResult result, String requestId) {
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .header(REQUEST_ID_HEADER, requestId)
        .body(json(result));
  }

  /**
   * The proto3 JSON form of a BatchResult (proto field names, every field printed), written with a
   * streaming generator: protobuf's reflective JsonFormat printer cost more than the rest of a
   * 100-event request. RestIngestTest parses this output with JsonFormat to keep the two the same.
   */
  static byte[] json(BatchResult result) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + result.getResultsCount() * 160);
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      g.writeStringProperty("request_id", result.getRequestId());
      g.writeNumberProperty("accepted", result.getAccepted());
      g.writeNumberProperty("rejected", result.getRejected());
      g.writeArrayPropertyStart("results");
      for (EventResult r : result.getResultsList()) {
        g.writeStartObject();
        g.writeNumberProperty("index", r.getIndex());
        g.writeStringProperty("event_id", r.getEventId());
        g.writeStringProperty("status", r.getStatus().name());
        g.writeStringProperty("reason", r.getReason().name());
        g.writeStringProperty("field", r.getField());
        g.writeStringProperty("message", r.getMessage());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private void checkMediaType(String contentType, String requestId) throws Refusal {
    MediaType type;
    try {
      type = contentType == null ? null : MediaType.parseMediaType(contentType);
    } catch (InvalidMediaTypeException e) {
      type = null;
    }
    boolean json = type != null && type.getType().equals("application")
        && (type.getSubtype().equals("json") || type.getSubtype().endsWith("+json"));
    boolean utf8 = type == null || type.getCharset() == null
        || type.getCharset().equals(StandardCharsets.UTF_8);
    if (!json || !utf8) {
      throw refuse(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type",
          "the body must be application/json in UTF-8", requestId);
    }
  }

  private static boolean gzip(String encoding, String requestId) throws Refusal {
    if (encoding == null || encoding.isBlank()) {
      return false;
    }
    String e = encoding.trim().toLowerCase(Locale.ROOT);
    if (e.equals("gzip") || e.equals("x-gzip")) {
      return true;
    }
    if (e.equals("identity")) {
      return false;
    }
    throw refuse(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type",
        "Content-Encoding must be gzip or identity", requestId);
  }

  /**
   * Decompresses up to the body limit into reserved chunks: a gzip bomb costs at most that much, and
   * only what the budget agreed to.
   */
  private byte[] gunzip(byte[] compressed, MemoryBudget.Lease lease, String requestId) throws Refusal {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed), 8192)) {
      return RequestBodies.readUpTo(in, maxBodyBytes, lease);
    } catch (RequestBodies.TooLargeException e) {
      throw tooLarge(requestId);
    } catch (IOException e) {
      // ZipException, EOFException (truncated): the client's fault, never retried
      throw refuse(HttpStatus.BAD_REQUEST, "Malformed Body", "the body is not valid gzip", requestId);
    }
  }

  private Refusal tooLarge(String requestId) {
    return refuse(HttpStatus.CONTENT_TOO_LARGE, "Content Too Large",
        "the body is over " + maxBodyBytes + " bytes (after decompression)", requestId);
  }

  private static String forwardedFor(HttpServletRequest request) {
    var values = request.getHeaders("X-Forwarded-For");
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    StringBuilder joined = new StringBuilder();
    while (values.hasMoreElements()) {
      if (!joined.isEmpty()) {
        joined.append(',');
      }
      joined.append(values.nextElement());
    }
    return joined.toString();
  }

  private static Refusal refuse(HttpStatus status, String title, String detail, String requestId) {
    return new Refusal(Problems.problem(status, title, detail, requestId, Map.of()));
  }

  private static String outcome(int status) {
    return switch (status) {
      case 200 -> "ok";
      case 400 -> "malformed";
      case 401 -> "unauthorized";
      case 413 -> "too_large";
      case 415 -> "unsupported_media_type";
      case 503 -> "unavailable";
      default -> Integer.toString(status);
    };
  }

  /** A whole-request refusal, thrown to leave {@link #handle} early. */
  private static final class Refusal extends Exception {
    final transient ResponseEntity<byte[]> response;
    /** The request metric's outcome when the status alone does not say it, else null. */
    final String outcome;

    Refusal(ResponseEntity<byte[]> response) {
      this(response, null);
    }

    Refusal(ResponseEntity<byte[]> response, String outcome) {
      super(null, null, false, false);
      this.response = response;
      this.outcome = outcome;
    }
  }
}
