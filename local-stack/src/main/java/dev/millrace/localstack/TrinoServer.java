package dev.millrace.localstack;

import java.util.Map;

/**
 * A single Trino node (coordinator and worker) on 127.0.0.1, plain HTTP, no authentication (any user
 * name works). It has the {@code curated} Iceberg catalog ({@link LocalStack#curatedCatalog()});
 * further catalogs are added at run time ({@code catalog.management=dynamic}), e.g. {@code realtime}
 * by {@link LocalStack#trinoWithRealtime()}.
 *
 * <p>{@link #stop()} is graceful, {@link #kill()} is SIGKILL; both keep the catalogs and the port,
 * so {@link #start()} brings the same server back at the same {@link #url()}.
 */
public interface TrinoServer {

  /** Base URL, e.g. {@code http://127.0.0.1:41236}. */
  String url();

  /** {@code jdbc:trino://127.0.0.1:PORT}; the driver wants a {@code user} property, any name. */
  String jdbcUrl();

  /**
   * Creates the catalog ({@code CREATE CATALOG name USING connector WITH (...)}) unless one of that
   * name exists; it is kept across restarts.
   */
  void createCatalog(String name, String connector, Map<String, String> properties);

  void stop();

  void kill();

  void start();

  boolean isRunning();
}
