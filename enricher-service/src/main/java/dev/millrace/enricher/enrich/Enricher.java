package dev.millrace.enricher.enrich;

import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Enriches a batch of items: one result per item, in the same order, each echoing its item id.
 * Asynchronous, so the stream thread keeps processing while a call is on the network.
 */
@FunctionalInterface
public interface Enricher {

  /**
   * Completes with the results, or exceptionally with {@link EnrichmentUnavailableException} when
   * the service cannot answer now (down, slow, overloaded): nothing was enriched and the whole batch
   * should be tried again later.
   */
  CompletableFuture<List<EnrichResult>> enrich(List<EnrichItem> items);
}
