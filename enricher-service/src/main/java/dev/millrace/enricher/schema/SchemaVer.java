package dev.millrace.enricher.schema;

import java.util.Comparator;

/**
 * A SchemaVer version, {@code MODEL-REVISION-ADDITION}: an ADDITION accepts every payload the
 * version before it accepted; a REVISION may not; a MODEL is a new shape altogether.
 */
record SchemaVer(int model, int revision, int addition) {

  /** Versions by model, then revision, then addition (not as text: 1-0-10 after 1-0-9). */
  static final Comparator<String> ORDER = Comparator.comparing(SchemaVer::parse,
      Comparator.comparingInt(SchemaVer::model).thenComparingInt(SchemaVer::revision)
          .thenComparingInt(SchemaVer::addition));

  static SchemaVer parse(String version) {
    String[] p = version.split("-");
    return new SchemaVer(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
  }

  /** The version this one is an ADDITION to, or null when it is the first of its revision. */
  String previousAddition() {
    return addition == 0 ? null : model + "-" + revision + "-" + (addition - 1);
  }

  @Override
  public String toString() {
    return model + "-" + revision + "-" + addition;
  }
}
