package dev.millrace.curation.run;

/**
 * A run that published nothing, with why; the CLI exits with {@link #exitCode()}.
 */
public final class RunFailure extends RuntimeException {

  /** Why a run did not publish. */
  public enum Kind {
    /** Hours of the day have no marker and {@code --allow-incomplete} was not given (exit 3). */
    INCOMPLETE_INPUT(3),
    /** A blocking data-quality check failed (exit 4). */
    CHECKS_FAILED(4),
    /** Another run published one of the tables after this run branched from it (exit 5). */
    CONCURRENT_PUBLISH(5),
    /** Anything else: a store, the catalog, Spark (exit 1). */
    ERROR(1);

    private final int exitCode;

    Kind(int exitCode) {
      this.exitCode = exitCode;
    }
  }

  private final Kind kind;

  public RunFailure(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public int exitCode() {
    return kind.exitCode;
  }
}
