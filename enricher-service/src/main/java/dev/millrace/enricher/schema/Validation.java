package dev.millrace.enricher.schema;

import dev.millrace.proto.v1.Violation;
import java.util.List;

/** The outcome of checking one payload against its schema. */
public sealed interface Validation {

  /** The payload conforms. */
  record Valid() implements Validation {}

  /** No schema for this event type and version (or the names cannot name one). */
  record UnknownSchema(String message) implements Validation {}

  /** The payload does not conform: one violation per failed check. */
  record Invalid(List<Violation> violations) implements Validation {}

  Validation VALID = new Valid();
}
