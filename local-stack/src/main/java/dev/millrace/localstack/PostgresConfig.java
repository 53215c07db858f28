package dev.millrace.localstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command lines of initdb and of a small PostgreSQL server on loopback. */
final class PostgresConfig {

  /** The account PostgreSQL runs as when this JVM is root; initdb needs it to exist in /etc/passwd. */
  static final String DEFAULT_USER = "nobody";

  static Map<String, String> settings(int port) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("listen_addresses", FreePorts.LOOPBACK);
    s.put("port", Integer.toString(port));
    // TCP only: no socket file in /tmp to collide with another run's.
    s.put("unix_socket_directories", "");
    // Small: the defaults (128 MB buffers, 100 connections) are sized for a real server.
    s.put("shared_buffers", "32MB");
    s.put("max_connections", "50");
    s.put("work_mem", "4MB");
    s.put("maintenance_work_mem", "32MB");
    s.put("max_wal_size", "256MB");
    s.put("max_worker_processes", "4");
    // A killed server loses nothing: its writes are in the OS page cache and synchronous_commit
    // stays on. Only a machine crash could, which does not matter for a test server.
    s.put("fsync", "off");
    s.put("timezone", "UTC");
    s.put("log_timezone", "UTC");
    return s;
  }

  /** {@code initdb} for {@code user} with the password in {@code passwordFile}, SCRAM on every connection. */
  static List<String> initdb(Path home, Path data, String user, Path passwordFile, List<String> prefix) {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(home.resolve("bin").resolve("initdb").toString(), "-D", data.toString(),
        "-U", user, "--pwfile=" + passwordFile, "-A", "scram-sha-256", "-E", "UTF8", "--locale=C",
        "--no-sync"));
    return command;
  }

  /** {@code postgres -D data -c key=value ...}, prefixed with {@code setpriv} when run as root. */
  static List<String> postgres(Path home, Path data, Map<String, String> settings, List<String> prefix) {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(home.resolve("bin").resolve("postgres").toString(), "-D", data.toString()));
    settings.forEach((k, v) -> {
      command.add("-c");
      command.add(k + "=" + v);
    });
    return command;
  }

  private PostgresConfig() {}
}
