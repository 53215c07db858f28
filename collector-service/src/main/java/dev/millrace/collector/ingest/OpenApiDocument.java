package dev.millrace.collector.ingest;

import java.io.IOException;
import java.io.InputStream;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Serves the hand-written OpenAPI document of the REST edge. Hand-written because the contract
 * (snake_case proto JSON, problem documents, limits) is the point, not what annotations would infer.
 */
@RestController
public class OpenApiDocument {

  private final byte[] document;

  public OpenApiDocument() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream("/dev/millrace/collector/openapi.yaml")) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is missing from the jar");
      }
      document = in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @GetMapping({"/v1/openapi.yaml", "/openapi.yaml"})
  public ResponseEntity<byte[]> openApi() {
    return ResponseEntity.ok().contentType(MediaType.parseMediaType("application/yaml")).body(document);
  }
}
