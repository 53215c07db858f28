package dev.millrace.enricher.enrich;

/** What the enricher does with records when the enrichment API stays unavailable past the bound. */
public enum OnUnavailable {
  /** Keep them (in the changelogged pending store) and keep retrying: nothing leaves unenriched. */
  WAIT,
  /** Dead-letter them with ENRICHMENT_UNAVAILABLE, so the pipeline moves on; replay them later. */
  DEAD_LETTER
}
