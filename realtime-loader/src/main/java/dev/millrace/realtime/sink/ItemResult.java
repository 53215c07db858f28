package dev.millrace.realtime.sink;

/**
 * Elasticsearch's answer for one document of a bulk request.
 *
 * @param status the item's HTTP status
 * @param error the error type and reason, e.g. {@code document_parsing_exception: ...}; empty on success
 */
public record ItemResult(int status, String error) {

  public static ItemResult ok(int status) {
    return new ItemResult(status, "");
  }
}
