package dev.millrace.collector.compat.snowplow;

import dev.millrace.collector.ingest.HttpIngest;
import dev.millrace.collector.ingest.HttpProtocol;
import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.collector.validate.MalformedBodyException;
import dev.millrace.collector.validate.TooManyEventsException;
import dev.millrace.proto.v1.Transport;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Snowplow's tracker protocol, so that Snowplow's trackers send to Millrace by changing only their
 * collector URL: {@code POST /com.snowplowanalytics.snowplow/tp2} (a {@code payload_data} batch) and
 * the {@code GET /i} pixel (one event in the query, answered with a 1×1 GIF). Snowplow trackers send
 * no credentials, so a request without a write key in its headers is accepted under the write key
 * its events' app id ({@code aid}) is configured for ({@code millrace.collector.snowplow.app-ids});
 * any other gets 401. The mapping is {@link SnowplowDecoder}'s.
 */
@RestController
public class SnowplowIngest {

  /** A transparent 1×1 GIF: what a tracking pixel is answered with. */
  static final byte[] PIXEL = Base64.getDecoder().decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
  static final MediaType GIF = MediaType.IMAGE_GIF;

  private final HttpIngest ingest;
  private final SnowplowDecoder decoder;
  private final Map<String, String> appIds;
  private final long maxBodyBytes;

  /**
   * @param appIds a Snowplow app id to the write key id its events are accepted under
   */
  public SnowplowIngest(HttpIngest ingest, SnowplowDecoder decoder, Map<String, String> appIds, long maxBodyBytes) {
    this.ingest = ingest;
    this.decoder = decoder;
    this.appIds = Map.copyOf(appIds);
    this.maxBodyBytes = maxBodyBytes;
  }

  @PostMapping("/com.snowplowanalytics.snowplow/tp2")
  public CompletableFuture<ResponseEntity<byte[]>> tp2(HttpServletRequest request) throws IOException {
    return ingest.post(request, new Tp2(request.getHeader(HttpHeaders.USER_AGENT)));
  }

  @GetMapping("/i")
  public CompletableFuture<ResponseEntity<byte[]>> pixel(HttpServletRequest request) throws IOException {
    List<Map.Entry<String, String>> params;
    try {
      params = query(request.getQueryString());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(ResponseEntity.status(HttpStatus.BAD_REQUEST)
          .contentType(MediaType.TEXT_PLAIN).body("the query string has a malformed %-escape\n"
              .getBytes(StandardCharsets.UTF_8)));
    }
    String userAgent = request.getHeader(HttpHeaders.USER_AGENT);
    return ingest.events(request, Transport.TRANSPORT_SNOWPLOW,
        receivedAt -> List.of(decoder.decodePixel(params, userAgent, receivedAt)),
        this::keyIdOfAppIds,
        result -> ResponseEntity.ok().contentType(GIF).cacheControl(CacheControl.noStore()).body(PIXEL.clone()));
  }

  /**
   * The write key id the events' app ids are configured for: every event that names an app id must
   * name one configured for the same key, and at least one must.
   */
  Optional<String> keyIdOfAppIds(List<CheckedEvent> events) {
    String keyId = null;
    for (CheckedEvent e : events) {
      String appId = e.event().getSource();
      if (appId.isEmpty()) {
        continue;
      }
      String id = appIds.get(appId);
      if (id == null || (keyId != null && !keyId.equals(id))) {
        return Optional.empty();
      }
      keyId = id;
    }
    return Optional.ofNullable(keyId);
  }

  /** The parameters of a query string, URL-decoded, in order, a name given twice kept twice. */
  static List<Map.Entry<String, String>> query(String query) {
    List<Map.Entry<String, String>> params = new ArrayList<>();
    if (query == null || query.isEmpty()) {
      return params;
    }
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.add(Map.entry(name, value));
    }
    return params;
  }

  /** The tp2 endpoint for one request (the browser's User-Agent is the events' when they carry none). */
  private final class Tp2 implements HttpProtocol {

    private final String userAgent;

    Tp2(String userAgent) {
      this.userAgent = userAgent;
    }

    @Override
    public Transport transport() {
      return Transport.TRANSPORT_SNOWPLOW;
    }

    @Override
    public long maxBodyBytes() {
      return maxBodyBytes;
    }

    @Override
    public boolean contentMayAuthenticate() {
      return true;
    }

    @Override
    public Decoded decode(byte[] body, Instant receivedAt) throws MalformedBodyException, TooManyEventsException {
      return Decoded.of(decoder.decodePayloadData(body, userAgent, receivedAt));
    }

    @Override
    public Optional<String> keyIdFromContent(Decoded decoded) {
      return keyIdOfAppIds(decoded.events());
    }
  }
}
