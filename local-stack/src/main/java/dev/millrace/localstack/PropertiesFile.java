package dev.millrace.localstack;

import java.util.Map;

/** Java properties-file text for the servers' config files. */
final class PropertiesFile {

  /** One {@code key=value} line per entry, in order; backslashes escaped as the format demands. */
  static String render(Map<String, String> properties) {
    StringBuilder text = new StringBuilder("# written by millrace local-stack\n");
    properties.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
    return text.toString();
  }

  private PropertiesFile() {}
}
