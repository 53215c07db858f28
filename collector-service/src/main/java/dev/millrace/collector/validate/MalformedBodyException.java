package dev.millrace.collector.validate;

/** The request body is not JSON (or not a JSON object or array): the whole request is refused. */
public final class MalformedBodyException extends Exception {

  private final int line;
  private final int column;

  public MalformedBodyException(String message, int line, int column) {
    super(message);
    this.line = line;
    this.column = column;
  }

  /** 1-based line of the fault, or -1 when unknown. */
  public int line() {
    return line;
  }

  /** 1-based column of the fault, or -1 when unknown. */
  public int column() {
    return column;
  }
}
