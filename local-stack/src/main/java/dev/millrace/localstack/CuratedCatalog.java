package dev.millrace.localstack;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The {@code curated} Iceberg catalog on the local PostgreSQL and S3: its database, its bucket and
 * the JDBC catalog's two tables. Trino's Iceberg connector does not create those tables (Spark's
 * Iceberg does, on first use), so they are created here, with the schema of Iceberg's
 * {@code JdbcUtil} (1.9 to 1.12): the V0 table plus the {@code iceberg_type} column that V1 adds.
 */
final class CuratedCatalog {

  static final String NAME = "curated";
  static final String DATABASE = "millrace_catalog";
  static final String BUCKET = "millrace-curated";
  static final String WAREHOUSE = "s3://" + BUCKET + "/warehouse";

  static final List<String> TABLES = List.of(
      "CREATE TABLE IF NOT EXISTS iceberg_tables ("
          + "catalog_name VARCHAR(255) NOT NULL, "
          + "table_namespace VARCHAR(255) NOT NULL, "
          + "table_name VARCHAR(255) NOT NULL, "
          + "metadata_location VARCHAR(1000), "
          + "previous_metadata_location VARCHAR(1000), "
          + "iceberg_type VARCHAR(5), "
          + "PRIMARY KEY (catalog_name, table_namespace, table_name))",
      "CREATE TABLE IF NOT EXISTS iceberg_namespace_properties ("
          + "catalog_name VARCHAR(255) NOT NULL, "
          + "namespace VARCHAR(255) NOT NULL, "
          + "property_key VARCHAR(255), "
          + "property_value VARCHAR(1000), "
          + "PRIMARY KEY (catalog_name, namespace, property_key))");

  static IcebergCatalog describe(PostgresServer postgres, S3Server s3) {
    return new IcebergCatalog(NAME, postgres.jdbcUrl(DATABASE), postgres.user(), postgres.password(),
        WAREHOUSE, BUCKET, s3.endpoint(), s3.region(), s3.accessKey(), s3.secretKey());
  }

  /** Creates the database, the bucket and the catalog tables unless they exist; returns the catalog. */
  static IcebergCatalog prepare(PostgresServer postgres, S3Server s3) {
    IcebergCatalog catalog = describe(postgres, s3);
    postgres.createDatabase(DATABASE);
    s3.createBucket(BUCKET);
    try (Connection c = DriverManager.getConnection(catalog.jdbcUrl(), catalog.jdbcUser(), catalog.jdbcPassword());
         Statement s = c.createStatement()) {
      for (String ddl : TABLES) {
        s.execute(ddl);
      }
    } catch (SQLException e) {
      throw new LocalStackException("could not create the Iceberg catalog tables in " + catalog.jdbcUrl(), e);
    }
    return catalog;
  }

  private CuratedCatalog() {}
}
