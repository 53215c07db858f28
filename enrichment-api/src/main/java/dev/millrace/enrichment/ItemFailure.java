package dev.millrace.enrichment;

import dev.millrace.proto.v1.EnrichErrorCode;

/**
 * One item could not be enriched; it becomes that item's error, never the batch's. The message is
 * for a human and never quotes the input's values (they may be personal data).
 */
public final class ItemFailure extends RuntimeException {

  private final EnrichErrorCode code;
  private final String reason;

  /**
   * @param code the wire's error code
   * @param reason a short, stable label for metrics, e.g. "payload_not_object"
   * @param message what went wrong, for a human
   */
  public ItemFailure(EnrichErrorCode code, String reason, String message) {
    // No stack trace: this is an expected outcome for bad input, raised per item on a hot path.
    super(message, null, false, false);
    this.code = code;
    this.reason = reason;
  }

  public static ItemFailure invalidInput(String reason, String message) {
    return new ItemFailure(EnrichErrorCode.ENRICH_ERROR_CODE_INVALID_INPUT, reason, message);
  }

  public EnrichErrorCode code() {
    return code;
  }

  public String reason() {
    return reason;
  }
}
