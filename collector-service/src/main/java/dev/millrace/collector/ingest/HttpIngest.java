package dev.millrace.collector.ingest;

import dev.millrace.collector.auth.WriteKeys;
import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.memory.OverBudgetException;
import dev.millrace.collector.sink.SinkUnavailableException;
import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.collector.validate.MalformedBodyException;
import dev.millrace.collector.validate.TooManyEventsException;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.Transport;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The HTTP ingest path every HTTP API of the collector shares ({@link HttpProtocol} says what
 * differs). The body is read by hand (not bound by Spring) so that each limit is enforced before the
 * next step costs anything: write key, media type, declared length, bytes read, bytes after gzip,
 * event count. The answer is sent only after Kafka acknowledged every record of the request (async:
 * no servlet thread waits for the broker).
 *
 * <p>What the request holds is reserved in the memory budget before it is held: the declared body
 * before it is read (or each chunk of a body of unknown length), each chunk of the decompressed
 * body, the decoded events (twice the body: each keeps a copy of its text and of its payload), and
 * each record and answer (see {@link Ingestion}). The body and the decoded events are given back
 * once the records are built, the rest once the answer is made. A request the budget cannot take
 * is answered 503 with {@code Retry-After}, having claimed nothing accepted.
 *
 * <p>The write key comes from {@code X-Millrace-Write-Key} or HTTP Basic's user (as Segment's SDKs
 * send it). A protocol whose clients cannot send headers (browsers' Segment and Snowplow trackers)
 * may authenticate from the content instead, after the body is read within the same limits. A
 * request with an {@code Origin} (a browser's) must come from an origin allowed for its key.
 */
public final class HttpIngest {

  private final WriteKeys writeKeys;
  private final AllowedOrigins origins;
  private final Ingestion ingestion;
  private final ClientIps clientIps;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final Duration retryAfter;
  private final MemoryBudget budget;

  public HttpIngest(WriteKeys writeKeys, AllowedOrigins origins, Ingestion ingestion, ClientIps clientIps,
                    IngestMetrics metrics, Clock clock, Duration retryAfter, MemoryBudget budget) {
    this.writeKeys = writeKeys;
    this.origins = origins;
    this.ingestion = ingestion;
    this.clientIps = clientIps;
    this.metrics = metrics;
    this.clock = clock;
    this.retryAfter = retryAfter;
    this.budget = budget;
  }

  public WriteKeys writeKeys() {
    return writeKeys;
  }

  /** A request whose body holds its events. */
  public CompletableFuture<ResponseEntity<byte[]>> post(HttpServletRequest request, HttpProtocol protocol)
      throws IOException {
    return timed(protocol.transport(), requestId -> handle(request, protocol, requestId));
  }

  /**
   * A request whose events are decoded from what it carries besides a body (a tracking pixel's
   * query): authenticated, reserved, sent and answered as a body's are.
   *
   * @param decode the request's events, given its receive time
   * @param keyIdFromContent the write key id the events authenticate with when no key was sent
   * @param ok the 200 answer
   */
  public CompletableFuture<ResponseEntity<byte[]>> events(HttpServletRequest request, Transport transport,
      Function<Instant, List<CheckedEvent>> decode,
      Function<List<CheckedEvent>, Optional<String>> keyIdFromContent,
      Function<BatchResult, ResponseEntity<byte[]>> ok) throws IOException {
    return timed(transport, requestId -> {
      Instant receivedAt = clock.instant();
      Optional<String> headerKey = headerKeyId(request, requestId);
      String replayId = replayId(request, requestId);
      MemoryBudget.Lease lease = budget.lease();
      return withLease(lease, transport, requestId, () -> {
        List<CheckedEvent> events = decode.apply(receivedAt);
        for (CheckedEvent e : events) {
          lease.reserve(e.original().length + (long) e.event().getSerializedSize());
        }
        String keyId = authenticated(request, headerKey.or(() -> keyIdFromContent.apply(events)), requestId);
        return send(request, requestId, receivedAt, keyId, replayId, transport, events, lease, ok);
      });
    });
  }

  /** Runs a request's handling and records its outcome and time; an IOException (the client went away) propagates. */
  private CompletableFuture<ResponseEntity<byte[]>> timed(Transport transport, Handler handler) throws IOException {
    long started = System.nanoTime();
    String requestId = UUID.randomUUID().toString();
    CompletableFuture<ResponseEntity<byte[]>> answer;
    String refusedAs = null;
    try {
      answer = handler.handle(requestId);
    } catch (Refusal refusal) {
      answer = CompletableFuture.completedFuture(refusal.response);
      refusedAs = refusal.outcome;
    }
    String fixedOutcome = refusedAs;
    return answer.whenComplete((response, e) -> metrics.request(transport,
        fixedOutcome != null ? fixedOutcome
            : response == null ? "error" : outcome(response.getStatusCode().value()),
        Duration.ofNanos(System.nanoTime() - started)));
  }

  private interface Handler {
    CompletableFuture<ResponseEntity<byte[]>> handle(String requestId) throws IOException, Refusal;
  }

  private interface Leased {
    CompletableFuture<ResponseEntity<byte[]>> run() throws IOException, Refusal;
  }

  private CompletableFuture<ResponseEntity<byte[]>> handle(HttpServletRequest request, HttpProtocol protocol,
                                                           String requestId) throws IOException, Refusal {
    Instant receivedAt = clock.instant();
    Optional<String> headerKey = headerKeyId(request, requestId);
    if (headerKey.isEmpty() && !protocol.contentMayAuthenticate()) {
      throw unauthorized(requestId);
    }
    String replayId = replayId(request, requestId);
    checkMediaType(request.getContentType(), protocol, requestId);
    boolean gzip = gzip(request.getHeader(HttpHeaders.CONTENT_ENCODING), requestId);
    // one array holds the body: the JSON parser cuts each event's payload out of it
    long maxBodyBytes = Math.min(protocol.maxBodyBytes(), Integer.MAX_VALUE - 8);
    long declared = request.getContentLengthLong();
    if (declared > maxBodyBytes) {
      throw tooLarge(requestId, maxBodyBytes);
    }
    MemoryBudget.Lease lease = budget.lease();
    return withLease(lease, protocol.transport(), requestId, () ->
        ingest(request, protocol, requestId, receivedAt, headerKey, replayId, gzip, declared, maxBodyBytes, lease));
  }

  /** Runs a step holding {@code lease}, closed when the answer is made (or at once on a refusal). */
  private CompletableFuture<ResponseEntity<byte[]>> withLease(MemoryBudget.Lease lease, Transport transport,
      String requestId, Leased step) throws IOException, Refusal {
    boolean handedOff = false;
    try {
      CompletableFuture<ResponseEntity<byte[]>> answer = step.run();
      handedOff = true;
      // acknowledged or failed: the producer holds nothing of the request any more
      return answer.whenComplete((response, e) -> lease.close());
    } catch (OverBudgetException e) {
      metrics.overBudget(transport);
      throw new Refusal(Problems.unavailable(OverBudgetException.ANSWER, requestId, retryAfter), "over_budget");
    } finally {
      if (!handedOff) {
        lease.close();
      }
    }
  }

  /** The request from its body on, with everything it holds reserved in {@code lease}. */
  private CompletableFuture<ResponseEntity<byte[]>> ingest(HttpServletRequest request, HttpProtocol protocol,
      String requestId, Instant receivedAt, Optional<String> headerKey, String replayId, boolean gzip, long declared,
      long maxBodyBytes, MemoryBudget.Lease lease) throws IOException, Refusal {
    byte[] body;
    try {
      body = declared >= 0
          ? RequestBodies.readDeclared(request.getInputStream(), (int) declared, lease)
          : RequestBodies.readUpTo(request.getInputStream(), maxBodyBytes, lease);
    } catch (RequestBodies.TooLargeException e) {
      throw tooLarge(requestId, maxBodyBytes);
    }
    if (gzip) {
      byte[] inflated = gunzip(body, lease, requestId, maxBodyBytes);
      lease.release(body.length);
      body = inflated;
    }
    // Each decoded event keeps a copy of its text and of its payload, both slices of the body.
    long decodedBytes = 2L * body.length;
    lease.reserve(decodedBytes);
    HttpProtocol.Decoded decoded;
    try {
      decoded = protocol.decode(body, receivedAt);
    } catch (MalformedBodyException e) {
      throw new Refusal(Problems.problem(HttpStatus.BAD_REQUEST, "Malformed JSON", e.getMessage(),
          requestId, Map.of("where", Map.of("line", e.line(), "column", e.column()))));
    } catch (TooManyEventsException e) {
      throw refuse(HttpStatus.CONTENT_TOO_LARGE, "Content Too Large", e.getMessage(), requestId);
    }
    lease.release(body.length);
    body = null; // what the budget no longer counts must not stay reachable from this frame
    String keyId = authenticated(request, headerKey.or(() -> decoded.writeKey() != null
        ? writeKeys.authenticate(decoded.writeKey()) : protocol.keyIdFromContent(decoded)), requestId);
    CompletableFuture<ResponseEntity<byte[]>> answer = send(request, requestId, receivedAt, keyId, replayId,
        protocol.transport(), decoded.events(), lease, result -> protocol.ok(result, requestId));
    lease.release(decodedBytes);
    return answer;
  }

  private CompletableFuture<ResponseEntity<byte[]>> send(HttpServletRequest request, String requestId,
      Instant receivedAt, String keyId, String replayId, Transport transport, List<CheckedEvent> events,
      MemoryBudget.Lease lease,
      Function<BatchResult, ResponseEntity<byte[]>> ok) {
    String clientIp = clientIps.resolve(request.getRemoteAddr(), forwardedFor(request));
    RequestInfo info = new RequestInfo(requestId, receivedAt, clientIp, keyId, transport, replayId);
    Ingestion.Prepared prepared = ingestion.prepare(info, events, lease, lease);
    CompletableFuture<Ingestion.Part> sent;
    try {
      sent = ingestion.send(prepared, transport);
    } catch (SinkUnavailableException e) {
      return CompletableFuture.completedFuture(Problems.unavailable(e.getMessage(), requestId, retryAfter));
    }
    return sent.handle((p, e) -> {
      if (e != null) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return Problems.unavailable(cause instanceof SinkUnavailableException ? cause.getMessage()
            : "Kafka did not acknowledge the request", requestId, retryAfter);
      }
      return ok.apply(Ingestion.result(requestId, List.of(p)));
    });
  }

  /**
   * The key id of the key in the request's headers; empty when it has none.
   *
   * @throws Refusal 401 when it has one that is not a write key
   */
  private Optional<String> headerKeyId(HttpServletRequest request, String requestId) throws Refusal {
    String presented = presentedKey(request);
    if (presented == null) {
      return Optional.empty();
    }
    Optional<String> id = writeKeys.authenticate(presented);
    if (id.isEmpty()) {
      throw unauthorized(requestId);
    }
    return id;
  }

  /** The key id, once the request's origin (if a browser's) is allowed for it. */
  private String authenticated(HttpServletRequest request, Optional<String> keyId, String requestId) throws Refusal {
    if (keyId.isEmpty()) {
      throw unauthorized(requestId);
    }
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin != null && !origins.allows(keyId.get(), origin)) {
      throw refuse(HttpStatus.FORBIDDEN, "Forbidden", "this write key does not accept requests from the origin "
          + "of this page (millrace.collector.cors.allowed-origins)", requestId);
    }
    return keyId.get();
  }

  /** {@code X-Millrace-Write-Key}, else the user of HTTP Basic; null when neither is sent. */
  static String presentedKey(HttpServletRequest request) {
    String key = request.getHeader(WireNames.WRITE_KEY_HTTP_HEADER);
    if (key != null && !key.isEmpty()) {
      return key;
    }
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization == null || authorization.length() < 6
        || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    try {
      String pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
      int colon = pair.indexOf(':');
      String user = colon < 0 ? pair : pair.substring(0, colon);
      return user.isEmpty() ? null : user;
    } catch (IllegalArgumentException e) {
      return null; // not base64: no key sent
    }
  }

  /**
   * The request's {@code X-Millrace-Replay-Id}, lower case; empty when it has none.
   *
   * @throws Refusal 400 when it is not a UUID: a replay's mark must be one id that ties the event to
   *     its replay record, never free text
   */
  static String replayId(HttpServletRequest request, String requestId) throws Refusal {
    String value = request.getHeader(WireNames.REPLAY_ID_HTTP_HEADER);
    if (value == null || value.isEmpty()) {
      return "";
    }
    if (!UUID_TEXT.matcher(value).matches()) {
      throw refuse(HttpStatus.BAD_REQUEST, "Bad Request", WireNames.REPLAY_ID_HTTP_HEADER
          + " must be a UUID (8-4-4-4-12 hexadecimal digits)", requestId);
    }
    return value.toLowerCase(Locale.ROOT);
  }

  private static final java.util.regex.Pattern UUID_TEXT =
      java.util.regex.Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private static Refusal unauthorized(String requestId) {
    return refuse(HttpStatus.UNAUTHORIZED, "Unauthorized", "a valid write key is required: the "
        + WireNames.WRITE_KEY_HTTP_HEADER + " header or HTTP Basic's user", requestId);
  }

  private static void checkMediaType(String contentType, HttpProtocol protocol, String requestId) throws Refusal {
    MediaType type;
    try {
      type = contentType == null ? null : MediaType.parseMediaType(contentType);
    } catch (InvalidMediaTypeException e) {
      throw refuse(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type", protocol.mediaTypeRule(), requestId);
    }
    boolean utf8 = type == null || type.getCharset() == null || type.getCharset().equals(StandardCharsets.UTF_8);
    if (!protocol.accepts(type) || !utf8) {
      throw refuse(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type", protocol.mediaTypeRule(), requestId);
    }
  }

  /** application/json or any +json type: what the JSON APIs take. */
  public static boolean isJson(MediaType type) {
    return type != null && type.getType().equals("application")
        && (type.getSubtype().equals("json") || type.getSubtype().endsWith("+json"));
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
  private static byte[] gunzip(byte[] compressed, MemoryBudget.Lease lease, String requestId, long maxBodyBytes)
      throws Refusal {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed), 8192)) {
      return RequestBodies.readUpTo(in, maxBodyBytes, lease);
    } catch (RequestBodies.TooLargeException e) {
      throw tooLarge(requestId, maxBodyBytes);
    } catch (IOException e) {
      // ZipException, EOFException (truncated): the client's fault, never retried
      throw refuse(HttpStatus.BAD_REQUEST, "Malformed Body", "the body is not valid gzip", requestId);
    }
  }

  private static Refusal tooLarge(String requestId, long maxBodyBytes) {
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
      case 403 -> "forbidden";
      case 413 -> "too_large";
      case 415 -> "unsupported_media_type";
      case 503 -> "unavailable";
      default -> Integer.toString(status);
    };
  }

  /** A whole-request refusal, thrown to leave the handling early. */
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
