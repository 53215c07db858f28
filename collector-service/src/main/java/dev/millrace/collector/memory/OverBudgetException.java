package dev.millrace.collector.memory;

/**
 * The memory budget cannot take a reservation now. Not a client fault: the caller answers 503 with
 * {@code Retry-After} (REST) or RESOURCE_EXHAUSTED (gRPC) and claims nothing of the request accepted.
 */
public final class OverBudgetException extends RuntimeException {

  /** What a refused caller is told (the problem document's detail, the gRPC status description). */
  public static final String ANSWER = "the collector's memory budget is full: retry later";

  public OverBudgetException(long bytes) {
    super("the collector's memory budget cannot take " + bytes + " more bytes now", null, false, false);
  }
}
