package dev.millrace.enricher.schema;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code GET /actuator/schemas}: the schemas' location, every type and version it holds, the
 * versions in use and those rejected (with why). {@code POST /actuator/schemas}: refresh now, so a
 * version just published is used by the next event of that version, then the same listing.
 */
@Endpoint(id = "schemas")
public class SchemasEndpoint {

  private final PayloadValidator validator;

  public SchemasEndpoint(PayloadValidator validator) {
    this.validator = validator;
  }

  @ReadOperation
  public Map<String, Object> schemas() {
    PayloadValidator.Status s = validator.status();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("location", s.location());
    out.put("available", s.available().isPresent() ? s.available().get() : "this location cannot be listed");
    out.put("loaded", s.loaded());
    out.put("rejected", s.rejected());
    out.put("refreshes", s.refreshes());
    out.put("refreshed_at", s.refreshedAt().toString());
    return out;
  }

  @WriteOperation
  public Map<String, Object> refresh() {
    validator.refresh();
    return schemas();
  }
}
