package dev.millrace.enricher.topology;

import dev.millrace.proto.v1.ReasonCode;

/** What the topology reports; the service binds it to Micrometer. */
public interface EnricherMetrics {

  /** One raw record was read. */
  void received();

  /** One record went to the enriched topic. */
  void enriched();

  /** One record went to the dead-letter topic. */
  void deadLettered(ReasonCode reason);

  /** A call to the enrichment API answered (ok) or failed as unavailable (not ok). */
  void enrichmentCall(long nanos, int batchSize, boolean ok);

  /** Records held in pending stores changed by {@code delta}. */
  void pending(int delta);

  EnricherMetrics NONE = new EnricherMetrics() {
    @Override
    public void received() {}

    @Override
    public void enriched() {}

    @Override
    public void deadLettered(ReasonCode reason) {}

    @Override
    public void enrichmentCall(long nanos, int batchSize, boolean ok) {}

    @Override
    public void pending(int delta) {}
  };
}
