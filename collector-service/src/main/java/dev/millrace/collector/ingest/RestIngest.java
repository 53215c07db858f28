package dev.millrace.collector.ingest;

import dev.millrace.collector.validate.JsonEventDecoder;
import dev.millrace.collector.validate.MalformedBodyException;
import dev.millrace.collector.validate.TooManyEventsException;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.Transport;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * {@code POST /v1/events}: the collector's own REST API. The body is one event object or an array
 * of them, in the proto's field names; the steps every HTTP API shares (write key, limits, memory
 * budget, Kafka, 503) are {@link HttpIngest}'s.
 */
@RestController
public class RestIngest implements HttpProtocol {

  public static final String REQUEST_ID_HEADER = "X-Request-Id";
  private static final JsonFactory JSON = JsonFactory.builder().build();

  private final HttpIngest ingest;
  private final JsonEventDecoder decoder;
  private final long maxBodyBytes;

  public RestIngest(HttpIngest ingest, JsonEventDecoder decoder, long maxBodyBytes) {
    this.ingest = ingest;
    this.decoder = decoder;
    this.maxBodyBytes = maxBodyBytes;
  }

  @PostMapping("/v1/events")
  public CompletableFuture<ResponseEntity<byte[]>> post(HttpServletRequest request) throws IOException {
    return ingest.post(request, this);
  }

  @Override
  public Transport transport() {
    return Transport.TRANSPORT_REST;
  }

  @Override
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  @Override
  public Decoded decode(byte[] body, Instant receivedAt) throws MalformedBodyException, TooManyEventsException {
    return Decoded.of(decoder.decode(body));
  }

  /**
   * The proto3 JSON form of a BatchResult (proto field names, every field printed), written with a
   * streaming generator: protobuf's reflective JsonFormat printer cost more than the rest of a
   * 100-event request. RestIngestTest parses this output with JsonFormat to keep the two the same.
   */
  public static byte[] json(BatchResult result) {
    return json(result, false);
  }

  /**
   * @param success whether to add Segment's {@code "success": true} (what api.segment.io answers)
   */
  public static byte[] json(BatchResult result, boolean success) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + result.getResultsCount() * 160);
    try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
      g.writeStartObject();
      if (success) {
        g.writeBooleanProperty("success", true);
      }
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
}
