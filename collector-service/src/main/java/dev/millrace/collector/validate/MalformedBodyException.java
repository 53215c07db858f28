package dev.millrace.collector.validate;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;

/** The request body is not JSON (or not a JSON object or array): the whole request is refused. */
public final class MalformedBodyException extends Exception {

  private final int line;
  private final int column;

  public MalformedBodyException(String message, int line, int column) {
    super(message);
    this.line = line;
    this.column = column;
  }

  /** A fault at the parser's current token. */
  public static MalformedBodyException at(JsonParser parser, String message) {
    var where = parser.currentTokenLocation();
    return new MalformedBodyException(message, where.getLineNr(), where.getColumnNr());
  }

  /**
   * A body the parser could not read. The parser's own message can quote the body, so only the
   * kind of fault and where it is are said.
   */
  public static MalformedBodyException notJson(JacksonException e) {
    var where = e.getLocation();
    return new MalformedBodyException("the body is not valid JSON",
        where == null ? -1 : where.getLineNr(), where == null ? -1 : where.getColumnNr());
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
