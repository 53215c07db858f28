package dev.millrace.collector.validate;

/** The request carries more events than one request may: the whole request is refused. */
public final class TooManyEventsException extends Exception {

  public TooManyEventsException(int limit) {
    super("the batch has more than " + limit + " events");
  }
}
