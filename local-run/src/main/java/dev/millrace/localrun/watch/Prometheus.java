package dev.millrace.localrun.watch;

/** Reads counters from the Prometheus text format an actuator serves. */
public final class Prometheus {

  private Prometheus() {}

  /** Sum of every series of {@code metric} (any labels), or -1 when the metric is absent. */
  public static double sum(String text, String metric) {
    double total = 0;
    boolean found = false;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(metric)) continue;
      String rest = line.substring(metric.length());
      if (!(rest.startsWith("{") || rest.startsWith(" "))) continue; // another metric with this prefix
      int space = line.lastIndexOf(' ');
      try {
        total += Double.parseDouble(line.substring(space + 1).trim());
        found = true;
      } catch (NumberFormatException ignored) {
        // A sample line we cannot read counts as absent rather than failing the display.
      }
    }
    return found ? total : -1;
  }
}
