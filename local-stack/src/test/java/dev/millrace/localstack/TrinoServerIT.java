package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class TrinoServerIT {

  @Test
  void curatedIsAnIcebergCatalogWhoseTablesAreWrittenToS3AndListedInPostgres(TrinoServer trino)
      throws SQLException {
    assertThat(column(trino, "SHOW CATALOGS")).contains("curated", "system");

    execute(trino, "CREATE SCHEMA IF NOT EXISTS curated.it_roundtrip",
        "CREATE TABLE curated.it_roundtrip.sessions (session_id varchar, events bigint, ds date)"
            + " WITH (partitioning = ARRAY['ds'])",
        "INSERT INTO curated.it_roundtrip.sessions VALUES ('s1', 3, DATE '2024-05-01'),"
            + " ('s2', 5, DATE '2024-05-02')");

    assertThat(column(trino, "SELECT session_id || ':' || CAST(events AS varchar)"
        + " FROM curated.it_roundtrip.sessions ORDER BY session_id")).containsExactly("s1:3", "s2:5");
    // The data files are on the S3 store, under the catalog's warehouse.
    assertThat(column(trino, "SELECT file_path FROM curated.it_roundtrip.\"sessions$files\""))
        .hasSize(2).allMatch(path -> path.startsWith(CuratedCatalog.WAREHOUSE + "/it_roundtrip"));
    // The table pointer is in the JDBC catalog, where Spark's Iceberg looks for it.
    IcebergCatalog curated = LocalStack.curatedCatalog();
    try (Connection c = DriverManager.getConnection(curated.jdbcUrl(), curated.jdbcUser(), curated.jdbcPassword());
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT catalog_name, table_namespace, table_name, iceberg_type,"
             + " metadata_location FROM iceberg_tables WHERE table_name = 'sessions'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("curated");
      assertThat(rs.getString(2)).isEqualTo("it_roundtrip");
      assertThat(rs.getString(4)).isEqualTo("TABLE");
      assertThat(rs.getString(5)).startsWith(CuratedCatalog.WAREHOUSE + "/it_roundtrip");
    }
  }

  @Test
  void realtimeCatalogReadsTheLocalElasticsearch() throws SQLException {
    TrinoServer trino = LocalStack.trinoWithRealtime();
    LocalStack.trinoWithRealtime(); // idempotent

    assertThat(column(trino, "SHOW CATALOGS")).contains("curated", "realtime");
    assertThat(column(trino, "SHOW SCHEMAS FROM realtime")).contains("default", "information_schema");
  }

  @Test
  void aKilledNodeComesBackOnItsPortWithItsCatalogs(TrinoServer trino) throws SQLException {
    String url = trino.url();
    execute(trino, "CREATE SCHEMA IF NOT EXISTS curated.it_restart",
        "CREATE TABLE IF NOT EXISTS curated.it_restart.kept AS SELECT 42 AS answer");

    trino.kill();
    assertThat(trino.isRunning()).isFalse();
    trino.start();

    assertThat(trino.url()).isEqualTo(url);
    assertThat(column(trino, "SELECT CAST(answer AS varchar) FROM curated.it_restart.kept")).containsExactly("42");
  }

  private static void execute(TrinoServer trino, String... sql) throws SQLException {
    try (Connection c = connect(trino); Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    }
  }

  private static List<String> column(TrinoServer trino, String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Connection c = connect(trino); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }

  private static Connection connect(TrinoServer trino) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", "it");
    return DriverManager.getConnection(trino.jdbcUrl(), properties);
  }
}
