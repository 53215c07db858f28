package dev.millrace.collector.ingest;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/** RFC 9457 problem documents for whole-request refusals. */
final class Problems {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Problems() {}

  static ResponseEntity<byte[]> problem(HttpStatus status, String title, String detail,
                                        String requestId, Map<String, Object> extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "about:blank");
    body.put("title", title);
    body.put("status", status.value());
    body.put("detail", detail);
    body.put("request_id", requestId);
    body.putAll(extra);
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .header(RestIngest.REQUEST_ID_HEADER, requestId)
        .body(JSON.writeValueAsBytes(body));
  }

  static ResponseEntity<byte[]> unavailable(String detail, String requestId, Duration retryAfter) {
    ResponseEntity<byte[]> p = problem(HttpStatus.SERVICE_UNAVAILABLE, "Service Unavailable", detail,
        requestId, Map.of());
    return ResponseEntity.status(p.getStatusCode())
        .headers(p.getHeaders())
        .header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())))
        .body(p.getBody());
  }
}
