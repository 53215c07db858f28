package dev.millrace.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compose {@code postgres-init} against a real PostgreSQL (local-stack's, the release compose
 * pins), run as compose runs it ({@link PostgresInit}); then the databases used exactly as compose
 * tells Trino, the curation job, Airflow and Superset to use them.
 */
class PostgresInitIT {

  static PostgresServer server;
  static PostgresInit init;
  static PostgresInit.Result first;
  static PostgresInit.Result again;

  @BeforeAll
  static void runTwice() throws Exception {
    Process tools = new ProcessBuilder(ComposeFile.repo().resolve("deploy/bin/debian-tools").toString(),
        "psql:postgresql-client", "pg_isready:postgresql-client").inheritIO().start();
    assertThat(tools.waitFor()).as("psql and pg_isready (deploy/bin/debian-tools)").isZero();
    server = LocalStack.postgres();
    Map<String, String> dotenv = PostgresInit.dotenv(server);
    first = new PostgresInit(server, dotenv).run();
    // The next `docker compose up`, after the Airflow password was changed in .env.
    dotenv.put("AIRFLOW_DB_PASSWORD", dotenv.get("AIRFLOW_DB_PASSWORD") + "2");
    init = new PostgresInit(server, dotenv);
    again = init.run();
  }

  @Test
  void theInitSucceedsAndSucceedsAgainOnTheNextUp() {
    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(again.output()).contains("database iceberg_catalog, role iceberg: ready",
        "database airflow, role airflow: ready", "database superset, role superset: ready",
        "Iceberg catalog tables: ready");
  }

  @Test
  void composePinsThePostgresReleaseTheInitWasTestedOn() throws Exception {
    try (Connection c = init.jdbc("trino", "MILLRACE_CATALOG_JDBC_URL", "MILLRACE_CATALOG_JDBC_USER",
        "MILLRACE_CATALOG_JDBC_PASSWORD"); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT current_setting('server_version')")) {
      assertThat(rs.next()).isTrue();
      String release = rs.getString(1).replaceFirst("^(\\d+\\.\\d+).*$", "$1");
      ComposeFile compose = ComposeFile.load();
      assertThat(compose.image("postgres", Map.of())).isEqualTo("postgres:" + release);
    }
  }

  @Test
  void trinoAndTheCurationJobUseTheIcebergCatalogTablesWithTheirComposeSettings() throws Exception {
    try (Connection trino = init.jdbc("trino", "MILLRACE_CATALOG_JDBC_URL", "MILLRACE_CATALOG_JDBC_USER",
        "MILLRACE_CATALOG_JDBC_PASSWORD")) {
      assertThat(columns(trino, "iceberg_tables")).containsExactlyInAnyOrder("catalog_name", "table_namespace",
          "table_name", "metadata_location", "previous_metadata_location", "iceberg_type");
      assertThat(columns(trino, "iceberg_namespace_properties")).containsExactlyInAnyOrder("catalog_name",
          "namespace", "property_key", "property_value");
    }
    // The job registers a table as Iceberg's JdbcCatalog does (schema V1).
    try (Connection job = init.jdbc("curation", "MILLRACE_CURATION_CATALOG_URI",
        "MILLRACE_CURATION_CATALOG_JDBC_USER", "MILLRACE_CURATION_CATALOG_JDBC_PASSWORD");
         Statement s = job.createStatement()) {
      s.executeUpdate("INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location,"
          + " previous_metadata_location, iceberg_type) VALUES ('curated', 'it', 'events', 's3://w/m.json', NULL, 'TABLE')");
      s.executeUpdate("INSERT INTO iceberg_namespace_properties VALUES ('curated', 'it', 'exists', 'true')");
      s.executeUpdate("DELETE FROM iceberg_tables WHERE table_namespace = 'it'");
      s.executeUpdate("DELETE FROM iceberg_namespace_properties WHERE namespace = 'it'");
    }
  }

  @Test
  void airflowAndSupersetOwnTheirDatabasesWithTheirComposeUris() throws Exception {
    for (Map.Entry<String, String> consumer : Map.of("airflow-scheduler", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "superset", "SUPERSET_DATABASE_URI").entrySet()) {
      try (Connection c = init.sqlalchemy(consumer.getKey(), consumer.getValue()); Statement s = c.createStatement()) {
        // What their migrations do: create tables in the public schema.
        s.execute("CREATE TABLE migration_probe (id INT PRIMARY KEY)");
        s.execute("DROP TABLE migration_probe");
      }
    }
  }

  @Test
  void aChangedPasswordIsAppliedAndTheOldOneNoLongerWorks() {
    Map<String, String> old = new HashMap<>(init.withPipelineSecrets());
    String changed = old.get("AIRFLOW_DB_PASSWORD");
    old.put("AIRFLOW_DB_PASSWORD", changed.substring(0, changed.length() - 1));
    PostgresInit before = new PostgresInit(server, old);
    assertThatThrownBy(() -> before.sqlalchemy("airflow-scheduler", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN").close())
        .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
  }

  @Test
  void eachRoleReachesOnlyItsOwnDatabase() {
    Map<String, String> env = init.withPipelineSecrets();
    assertThatThrownBy(() -> java.sql.DriverManager.getConnection(init.map(
        "jdbc:postgresql://postgres:5432/superset"), "airflow", env.get("AIRFLOW_DB_PASSWORD")).close())
        .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for database");
    assertThatThrownBy(() -> java.sql.DriverManager.getConnection(init.map(
        "jdbc:postgresql://postgres:5432/iceberg_catalog"), "superset", env.get("SUPERSET_DB_PASSWORD")).close())
        .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for database");
  }

  @Test
  void aRefusedLoginFailsAtOnceNamingWhatItWasDoing() throws Exception {
    Map<String, String> wrong = new HashMap<>(init.withPipelineSecrets());
    wrong.put("POSTGRES_PASSWORD", "not-the-superusers-password");
    PostgresInit.Result r = new PostgresInit(server, wrong).run();
    assertThat(r.exitCode()).as(r.output()).isNotZero();
    assertThat(r.output()).contains("postgres-init: could not set up database iceberg_catalog for role iceberg")
        .doesNotContain("not-the-superusers-password");
  }

  private static TreeSet<String> columns(Connection c, String table) throws SQLException {
    TreeSet<String> names = new TreeSet<>();
    try (ResultSet rs = c.getMetaData().getColumns(null, "public", table, null)) {
      while (rs.next()) {
        names.add(rs.getString("COLUMN_NAME"));
      }
    }
    return names;
  }
}
