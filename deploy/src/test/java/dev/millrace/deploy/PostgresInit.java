package dev.millrace.deploy;

import dev.millrace.localstack.PostgresServer;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compose {@code postgres-init} one-shot run on this machine: its script
 * ({@code deploy/compose/postgres-init.sh}) with exactly its compose environment, the host name
 * {@code postgres} mapped to a real PostgreSQL and the image's superuser to that server's. And the
 * connection settings compose gives the databases' consumers, mapped the same way.
 */
final class PostgresInit {

  /** {@code postgresql+psycopg2://USER:PASSWORD@HOST:PORT/DATABASE}, as Airflow and Superset take it. */
  private static final Pattern SQLALCHEMY = Pattern.compile("postgresql\\+psycopg2://([^:]+):([^@]+)@(.+)");

  /** What a run printed and how it ended. */
  record Result(int exitCode, String output) {}

  private final PostgresServer server;
  private final Map<String, String> dotenv;

  PostgresInit(PostgresServer server, Map<String, String> dotenv) {
    this.server = server;
    this.dotenv = Map.copyOf(dotenv);
  }

  /** A {@code .env}'s analytics secrets, random, with the server's superuser password. */
  static Map<String, String> dotenv(PostgresServer server) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("POSTGRES_PASSWORD", server.password());
    for (String name : List.of("CATALOG_DB_PASSWORD", "AIRFLOW_DB_PASSWORD", "SUPERSET_DB_PASSWORD")) {
      env.put(name, java.util.UUID.randomUUID().toString().replace("-", ""));
    }
    return env;
  }

  String map(String value) {
    return value.replace("postgres:5432", "127.0.0.1:" + server.port());
  }

  Result run() throws IOException, InterruptedException {
    ComposeFile compose = ComposeFile.load();
    Map<String, String> env = new LinkedHashMap<>();
    compose.environment("postgres-init", dotenv).forEach((k, v) -> env.put(k, map(v)));
    // What Docker changes: the service's host name, and the image's superuser to this server's.
    env.put("PGHOST", "127.0.0.1");
    env.put("PGPORT", Integer.toString(server.port()));
    env.put("PGUSER", server.user());
    env.put("PATH", System.getenv("PATH"));
    ProcessBuilder pb = new ProcessBuilder("bash", ComposeFile.repo().resolve("deploy/compose/postgres-init.sh").toString())
        .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("postgres-init did not end in 3 minutes:\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  /** A connection with the JDBC URL, user and password compose gives {@code service} (keys given). */
  Connection jdbc(String service, String urlKey, String userKey, String passwordKey) throws SQLException {
    Map<String, String> env = ComposeFile.load().environment(service, withPipelineSecrets());
    return DriverManager.getConnection(map(env.get(urlKey)), env.get(userKey), env.get(passwordKey));
  }

  /** A connection with the SQLAlchemy URI compose gives {@code service} under {@code key}. */
  Connection sqlalchemy(String service, String key) throws SQLException {
    Map<String, String> env = ComposeFile.load().environment(service, withPipelineSecrets());
    Matcher m = SQLALCHEMY.matcher(map(env.get(key)));
    if (!m.matches()) {
      throw new IllegalArgumentException(service + "." + key + " is not a postgresql+psycopg2 URI");
    }
    return DriverManager.getConnection("jdbc:postgresql://" + m.group(3), m.group(1), m.group(2));
  }

  /** This {@code .env} and placeholders for the other secrets the consumers' services require. */
  Map<String, String> withPipelineSecrets() {
    Map<String, String> env = new LinkedHashMap<>();
    ComposeFile.dotenv(ComposeFile.repo().resolve(".env.example")).forEach((k, v) -> env.put(k, v.isEmpty() ? "x" : v));
    env.putAll(dotenv);
    return env;
  }
}
