package dev.millrace.collector.ingest;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * CORS for browser trackers on the ingest endpoints. A preflight ({@code OPTIONS} with
 * {@code Access-Control-Request-Method}) from an origin some write key allows is answered 204 with
 * what the trackers send (POST, GET; {@code Content-Type}, {@code Authorization} and the write-key
 * header; credentials, since Snowplow's JavaScript tracker sends cookies) and cached for a day; from
 * any other origin, 403. Answers to an allowed origin carry {@code Access-Control-Allow-Origin};
 * whether the request's own key allows its origin is {@link HttpIngest}'s check (403 otherwise).
 */
public final class CorsFilter extends OncePerRequestFilter {

  private static final String ALLOWED_HEADERS = "Content-Type, Content-Encoding, Authorization, X-Millrace-Write-Key";

  private final AllowedOrigins origins;

  public CorsFilter(AllowedOrigins origins) {
    this.origins = origins;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      chain.doFilter(request, response);
      return;
    }
    boolean allowed = origins.anyAllows(origin);
    response.addHeader(HttpHeaders.VARY, HttpHeaders.ORIGIN);
    if (allowed) {
      response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
      response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
      response.setHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, RestIngest.REQUEST_ID_HEADER + ", Retry-After");
    }
    boolean preflight = HttpMethod.OPTIONS.matches(request.getMethod())
        && request.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) != null;
    if (!preflight) {
      chain.doFilter(request, response);
      return;
    }
    if (!allowed) {
      response.setStatus(HttpServletResponse.SC_FORBIDDEN);
      return;
    }
    response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, "POST, GET, OPTIONS");
    response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
    response.setHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, "86400");
    response.setStatus(HttpServletResponse.SC_NO_CONTENT);
  }

  /** Only the ingest endpoints; actuator and the OpenAPI document are not for browsers elsewhere. */
  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = request.getRequestURI();
    return !(path.startsWith("/v1/") || path.startsWith("/com.snowplowanalytics.snowplow/") || path.equals("/i"));
  }
}
