package dev.millrace.enrichment.useragent;

/** One YAUAA parser per test JVM: building it takes seconds and ~120 MB of heap. */
public final class SharedParser {

  private static UserAgentParser parser;

  public static synchronized UserAgentParser get() {
    if (parser == null) {
      parser = new UserAgentParser(5_000, 2048);
    }
    return parser;
  }

  private SharedParser() {}
}
