package dev.millrace.collector.compat.segment;

import dev.millrace.collector.ingest.HttpIngest;
import dev.millrace.collector.ingest.HttpProtocol;
import dev.millrace.collector.ingest.RestIngest;
import dev.millrace.collector.validate.MalformedBodyException;
import dev.millrace.collector.validate.TooManyEventsException;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.Transport;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Segment's HTTP tracking API, so that Segment's SDKs (and the many that speak its API) send to
 * Millrace by changing only their host: {@code POST /v1/batch}, {@code /v1/track}, {@code /v1/page},
 * {@code /v1/screen}, {@code /v1/identify}, {@code /v1/group}, {@code /v1/alias}. The write key is
 * HTTP Basic's user, as the SDKs send it, or the body's {@code writeKey} (analytics.js in a
 * browser). Answers are what the SDKs understand: 200 once every message is in Kafka (accepted or
 * dead-lettered, with Millrace's per-event results and Segment's {@code "success": true}), 4xx
 * (not retried by the SDKs) for the caller's faults, 503 with {@code Retry-After} (retried) when
 * the pipeline cannot take the request.
 */
@RestController
public class SegmentIngest {

  private final HttpIngest ingest;
  private final Map<SegmentDecoder.Call, Endpoint> single = new EnumMap<>(SegmentDecoder.Call.class);
  private final Endpoint batch;

  public SegmentIngest(HttpIngest ingest, SegmentDecoder decoder, long maxBatchBytes) {
    this.ingest = ingest;
    this.batch = new Endpoint(decoder, null, maxBatchBytes);
    for (SegmentDecoder.Call call : SegmentDecoder.Call.values()) {
      single.put(call, new Endpoint(decoder, call, maxBatchBytes));
    }
  }

  @PostMapping("/v1/batch")
  public CompletableFuture<ResponseEntity<byte[]>> batch(HttpServletRequest request) throws IOException {
    return ingest.post(request, batch);
  }

  /** One message: the call is the path's last segment ({@code /v1/track} is a track). */
  @PostMapping({"/v1/track", "/v1/page", "/v1/screen", "/v1/identify", "/v1/group", "/v1/alias"})
  public CompletableFuture<ResponseEntity<byte[]>> single(HttpServletRequest request) throws IOException {
    String path = request.getRequestURI();
    String call = path.substring(path.lastIndexOf('/') + 1);
    return ingest.post(request, single.get(SegmentDecoder.Call.of(call)));
  }

  /** One endpoint: {@code /v1/batch} (call null) or a single-message one. */
  private record Endpoint(SegmentDecoder decoder, SegmentDecoder.Call call, long maxBodyBytes) implements HttpProtocol {

    @Override
    public Transport transport() {
      return Transport.TRANSPORT_SEGMENT;
    }

    @Override
    public boolean accepts(MediaType type) {
      // analytics.js sends text/plain so that a browser needs no preflight
      return HttpIngest.isJson(type) || (type != null && type.isCompatibleWith(MediaType.TEXT_PLAIN)
          && !type.isWildcardType() && !type.isWildcardSubtype());
    }

    @Override
    public String mediaTypeRule() {
      return "the body must be application/json (or text/plain) in UTF-8";
    }

    @Override
    public boolean contentMayAuthenticate() {
      return true;
    }

    @Override
    public Decoded decode(byte[] body, Instant receivedAt) throws MalformedBodyException, TooManyEventsException {
      SegmentDecoder.Body decoded = decoder.decode(body, call, receivedAt);
      return new Decoded(decoded.events(), decoded.writeKey());
    }

    @Override
    public ResponseEntity<byte[]> ok(BatchResult result, String requestId) {
      return ResponseEntity.ok()
          .contentType(MediaType.APPLICATION_JSON)
          .header(RestIngest.REQUEST_ID_HEADER, requestId)
          .body(RestIngest.json(result, true));
    }
  }
}
