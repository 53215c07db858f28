package dev.millrace.enricher.enrich;

import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;
import java.util.List;

/** Enriches a batch of items: one result per item, in the same order, each echoing its item id. */
@FunctionalInterface
public interface Enricher {

  /**
   * @throws EnrichmentUnavailableException when the service cannot answer now (down, slow,
   *     overloaded): nothing was enriched and the whole batch should be tried again later
   */
  List<EnrichResult> enrich(List<EnrichItem> items);
}
