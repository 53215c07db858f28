package dev.millrace.realtime.sink;

/** What to do with a document after Elasticsearch answered for it. */
public enum Outcome {
  /** Stored (201 created or 200 overwritten by a redelivery). */
  INDEXED,
  /** Elasticsearch is overloaded or failing (429, 5xx): send the same document again later. */
  RETRY,
  /** The document itself is bad for this index (mapping or parse error): dead-letter it, never retry. */
  REJECTED;

  /**
   * Sorts an item status. Only 400 means the document itself is bad (mapper_parsing_exception,
   * document_parsing_exception, illegal_argument_exception). Every other failure is about the
   * cluster or its set-up, not the data: 429 and 5xx (overload, shard unavailable), 401/403
   * (credentials, index blocks), 404 (index missing with auto-create off), 409 (cannot happen with
   * plain index operations). Those are retried, so that a fix on the cluster side lets the same
   * documents through instead of filling the dead-letter index with good data.
   */
  public static Outcome of(int status) {
    if (status >= 200 && status < 300) {
      return INDEXED;
    }
    return status == 400 ? REJECTED : RETRY;
  }
}
