package dev.millrace.enricher.enrich;

/** The enrichment API could not answer now; the batch is intact and may be tried again. */
public final class EnrichmentUnavailableException extends RuntimeException {

  public EnrichmentUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
