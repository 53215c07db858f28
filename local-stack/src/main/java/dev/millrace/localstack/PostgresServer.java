package dev.millrace.localstack;

/**
 * A PostgreSQL server reachable on 127.0.0.1 over TCP, with password (SCRAM) authentication for one
 * superuser, {@link #user()}.
 *
 * <p>{@link #stop()} is graceful, {@link #kill()} is SIGKILL; both keep the data and the port, so
 * {@link #start()} brings the same server back at the same {@link #jdbcUrl(String)}.
 */
public interface PostgresServer {

  /** {@code jdbc:postgresql://127.0.0.1:PORT/DATABASE}. */
  String jdbcUrl(String database);

  String user();

  String password();

  int port();

  /** Creates the database unless it exists. Names are lower case letters, digits and {@code _}. */
  void createDatabase(String name);

  void stop();

  void kill();

  void start();

  boolean isRunning();
}
