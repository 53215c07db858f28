package dev.millrace.enrichment.config;

/** Whether an enrichment runs. */
public enum EnrichmentSwitch {
  /** The enrichment runs on every item. */
  ENABLED,
  /** The enrichment is skipped; its result fields stay empty. */
  DISABLED;

  public boolean on() {
    return this == ENABLED;
  }
}
