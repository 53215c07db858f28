package dev.millrace.enricher.enrich;

import dev.millrace.proto.views.EnrichItemBytes;
import dev.millrace.proto.views.EnrichResultBytes;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Enriches a batch of items: one result per item, in the same order, each echoing its item id.
 * Asynchronous, so the stream thread keeps processing while a call is on the network.
 *
 * <p>Items and results are byte views of {@code millrace.v1.EnrichItem} and {@code EnrichResult}:
 * their values go from the raw record to the API and from the API to the enriched event as the
 * bytes they arrived as. Results have passed {@link dev.millrace.proto.views.Utf8Check}.
 */
@FunctionalInterface
public interface Enricher {

  /**
   * Completes with the results, or exceptionally with {@link EnrichmentUnavailableException} when
   * the service cannot answer now (down, slow, overloaded): nothing was enriched and the whole batch
   * should be tried again later.
   */
  CompletableFuture<List<EnrichResultBytes>> enrich(List<EnrichItemBytes> items);
}
