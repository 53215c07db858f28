package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class PostgresServerIT {

  @Test
  void answersQueriesOverJdbcWithItsPasswordOnly(PostgresServer postgres) throws SQLException {
    try (Connection c = connect(postgres, "postgres"); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT current_user, version()")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo(postgres.user());
      assertThat(rs.getString(2)).startsWith("PostgreSQL 14.");
    }
    // SCRAM authentication is on: a client with the wrong password is turned away.
    try (Connection wrong = DriverManager.getConnection(postgres.jdbcUrl("postgres"), postgres.user(), "nope")) {
      throw new AssertionError("connected with a wrong password");
    } catch (SQLException expected) {
      assertThat(expected.getSQLState()).isEqualTo("28P01");
    }
  }

  @Test
  void committedRowsSurviveAGracefulStopAndAKillOnTheSamePort(PostgresServer postgres) throws SQLException {
    postgres.createDatabase("restarts");
    postgres.createDatabase("restarts"); // idempotent
    String url = postgres.jdbcUrl("restarts");
    execute(postgres, "CREATE TABLE IF NOT EXISTS events (id int PRIMARY KEY)", "INSERT INTO events VALUES (1)");

    postgres.stop();
    assertThat(postgres.isRunning()).isFalse();
    postgres.start();
    execute(postgres, "INSERT INTO events VALUES (2)");

    postgres.kill();
    assertThat(postgres.isRunning()).isFalse();
    postgres.start();

    assertThat(postgres.jdbcUrl("restarts")).isEqualTo(url);
    assertThat(ids(postgres)).containsExactly(1, 2);
  }

  private static void execute(PostgresServer postgres, String... sql) throws SQLException {
    try (Connection c = connect(postgres, "restarts"); Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    }
  }

  private static List<Integer> ids(PostgresServer postgres) throws SQLException {
    List<Integer> ids = new ArrayList<>();
    try (Connection c = connect(postgres, "restarts"); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT id FROM events ORDER BY id")) {
      while (rs.next()) {
        ids.add(rs.getInt(1));
      }
    }
    return ids;
  }

  private static Connection connect(PostgresServer postgres, String database) throws SQLException {
    return DriverManager.getConnection(postgres.jdbcUrl(database), postgres.user(), postgres.password());
  }
}
