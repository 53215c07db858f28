package dev.millrace.curation.run;

import dev.millrace.curation.config.CurationConfig;
import dev.millrace.localstack.IcebergCatalog;
import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.S3Server;
import java.util.HashMap;
import java.util.Map;

/**
 * The job's ITs run where production does: the Iceberg JDBC catalog on a real PostgreSQL, the
 * warehouse and the batch loader's bucket on a real S3 (s3proxy), the catalog the same record
 * Trino's {@code curated} catalog is made from.
 */
final class CurationEnvironment {

  /** The batch loader's bucket in the ITs. */
  static final String LAKE_BUCKET = "millrace-lake";

  private CurationEnvironment() {}

  static Map<String, String> settings() {
    IcebergCatalog catalog = LocalStack.curatedCatalog();
    S3Server s3 = LocalStack.s3();
    s3.createBucket(LAKE_BUCKET);
    String p = CurationConfig.PREFIX;
    Map<String, String> settings = new HashMap<>();
    settings.put(p + "catalog.name", catalog.name());
    settings.put(p + "catalog.type", "jdbc");
    settings.put(p + "catalog.uri", catalog.jdbcUrl());
    settings.put(p + "catalog.jdbc.user", catalog.jdbcUser());
    settings.put(p + "catalog.jdbc.password", catalog.jdbcPassword());
    settings.put(p + "catalog.warehouse", catalog.warehouse());
    settings.put(p + "s3.endpoint", catalog.s3Endpoint());
    settings.put(p + "s3.region", catalog.s3Region());
    settings.put(p + "s3.access-key", catalog.s3AccessKey());
    settings.put(p + "s3.secret-key", catalog.s3SecretKey());
    settings.put(p + "input.bucket", "s3://" + LAKE_BUCKET);
    return settings;
  }
}
