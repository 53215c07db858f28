package dev.millrace.localrun.down;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The launcher's {@code <home>/pids}: one {@code <name> <pid>} line per process, the first
 * {@code launcher <pid>}, then each service. Pure parsing, so it is tested without processes.
 */
public record PidFile(Map<String, Long> pids) {

  public static final String LAUNCHER = "launcher";
  /** Superset's gunicorn (or, while it sets up, {@code analytics/bin/superset-serve}). */
  public static final String SUPERSET = "superset";

  public PidFile {
    // In the file's order (Map.copyOf would not keep it): the launcher first, then start order.
    pids = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pids));
  }

  /** Reads the lines; a line that is not {@code <name> <pid>} is skipped (a file cut short by a crash). */
  public static PidFile parse(List<String> lines) {
    Map<String, Long> pids = new LinkedHashMap<>();
    for (String line : lines) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length != 2) continue;
      try {
        pids.put(parts[0], Long.parseLong(parts[1]));
      } catch (NumberFormatException e) {
        // skipped, as above
      }
    }
    return new PidFile(pids);
  }

  /**
   * Whether a live process listed under {@code name} is one a launcher started, judged by its command
   * line: after a crash its pid may have been given to something else, which must not be ended.
   */
  public static boolean isOurs(String name, String commandLine) {
    if (name.equals(LAUNCHER)) return commandLine.contains("millrace");
    if (name.equals(SUPERSET)) return commandLine.contains("superset");
    return commandLine.contains("-exec.jar");
  }

  public Optional<Long> launcher() {
    return Optional.ofNullable(pids.get(LAUNCHER));
  }

  /** The services' pids by name, without the launcher. */
  public Map<String, Long> services() {
    Map<String, Long> services = new LinkedHashMap<>(pids);
    services.remove(LAUNCHER);
    return services;
  }
}
