package dev.millrace.realtime.sink;

import dev.millrace.realtime.index.LoaderDocument;
import java.io.IOException;
import java.util.List;

/** The network edge: sends one bulk request. Unit tests swap in a fake. */
public interface BulkClient {

  /**
   * Indexes {@code documents} in one request.
   *
   * @return one result per document, in the same order
   * @throws IOException when the request as a whole failed (connection refused, timeout, 5xx)
   */
  List<ItemResult> bulk(List<LoaderDocument> documents) throws IOException;
}
