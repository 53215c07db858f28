package dev.millrace.realtime.index;

/** An event that cannot become a document at all (e.g. its payload is not a JSON object). */
public final class RejectedDocumentException extends Exception {

  public RejectedDocumentException(String message) {
    super(message);
  }
}
