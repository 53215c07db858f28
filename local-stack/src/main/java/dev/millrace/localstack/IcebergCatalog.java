package dev.millrace.localstack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An Iceberg catalog of the JDBC kind: table pointers in PostgreSQL, data and metadata files in S3.
 * It is the one description both engines are configured from: Spark takes
 * {@link #icebergProperties()} (under {@code spark.sql.catalog.<name>.}), and Trino's catalog file
 * is {@link #trinoProperties()}, so what one writes the other reads.
 *
 * @param name        the catalog's name: Iceberg's {@code catalog_name} column and Trino's catalog
 * @param jdbcUrl     the PostgreSQL database that holds the catalog's tables
 * @param jdbcUser    user of that database
 * @param jdbcPassword password of that user
 * @param warehouse   where new tables go, e.g. {@code s3://millrace-curated/warehouse}
 * @param bucket      the bucket of the warehouse
 * @param s3Endpoint  e.g. {@code http://127.0.0.1:41235}; path-style requests
 * @param s3Region    the region clients sign for
 * @param s3AccessKey S3 access key
 * @param s3SecretKey S3 secret key
 */
public record IcebergCatalog(String name, String jdbcUrl, String jdbcUser, String jdbcPassword,
                             String warehouse, String bucket, String s3Endpoint, String s3Region,
                             String s3AccessKey, String s3SecretKey) {

  public IcebergCatalog {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(jdbcUser, "jdbcUser");
    Objects.requireNonNull(jdbcPassword, "jdbcPassword");
    Objects.requireNonNull(warehouse, "warehouse");
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(s3Endpoint, "s3Endpoint");
    Objects.requireNonNull(s3Region, "s3Region");
    Objects.requireNonNull(s3AccessKey, "s3AccessKey");
    Objects.requireNonNull(s3SecretKey, "s3SecretKey");
    if (!warehouse.startsWith("s3://" + bucket + "/")) {
      throw new IllegalArgumentException("warehouse " + warehouse + " is not in bucket " + bucket);
    }
  }

  /**
   * Iceberg's own catalog properties (as {@code CatalogUtil.buildIcebergCatalog} and Spark's
   * {@code SparkCatalog} take them): the JDBC catalog with view support (schema V1) and
   * {@code S3FileIO} with path-style requests.
   */
  public Map<String, String> icebergProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("type", "jdbc");
    p.put("uri", jdbcUrl);
    p.put("jdbc.user", jdbcUser);
    p.put("jdbc.password", jdbcPassword);
    // The tables local-stack creates have the iceberg_type column; V1 is the schema that has it.
    p.put("jdbc.schema-version", "V1");
    p.put("warehouse", warehouse);
    p.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    p.put("s3.endpoint", s3Endpoint);
    p.put("s3.path-style-access", "true");
    p.put("s3.access-key-id", s3AccessKey);
    p.put("s3.secret-access-key", s3SecretKey);
    p.put("client.region", s3Region);
    return p;
  }

  /** The Trino catalog file: the Iceberg connector on this JDBC catalog, with Trino's native S3 file system. */
  public Map<String, String> trinoProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("connector.name", "iceberg");
    p.put("iceberg.catalog.type", "jdbc");
    p.put("iceberg.jdbc-catalog.driver-class", "org.postgresql.Driver");
    p.put("iceberg.jdbc-catalog.connection-url", jdbcUrl);
    p.put("iceberg.jdbc-catalog.connection-user", jdbcUser);
    p.put("iceberg.jdbc-catalog.connection-password", jdbcPassword);
    p.put("iceberg.jdbc-catalog.catalog-name", name);
    p.put("iceberg.jdbc-catalog.default-warehouse-dir", warehouse);
    p.put("fs.native-s3.enabled", "true");
    p.put("s3.endpoint", s3Endpoint);
    p.put("s3.region", s3Region);
    p.put("s3.path-style-access", "true");
    p.put("s3.aws-access-key", s3AccessKey);
    p.put("s3.aws-secret-key", s3SecretKey);
    return p;
  }
}
