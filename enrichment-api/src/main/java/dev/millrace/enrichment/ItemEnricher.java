package dev.millrace.enrichment;

import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;

/** Enriches one item; a failure comes back as the result's error, never as an exception. */
@FunctionalInterface
public interface ItemEnricher {
  EnrichResult enrich(EnrichItem item);
}
