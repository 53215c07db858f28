package dev.millrace.curation.run;

import dev.millrace.curation.catalog.CuratedTable;
import dev.millrace.curation.config.CurationConfig;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Table maintenance, run on its own schedule: compacts small files and expires old snapshots of
 * the curated and bookkeeping tables. {@code raw_events} is left alone: its files belong to the
 * batch loader (the table has {@code gc.enabled=false}).
 */
public final class Maintenance {

  /** The session's time zone is UTC ({@link CurationConfig#sparkSettings()}), whatever the JVM's is. */
  private static final java.time.format.DateTimeFormatter UTC =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(java.time.ZoneOffset.UTC);

  private final SparkSession spark;
  private final CurationConfig config;

  public Maintenance(SparkSession spark, CurationConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /**
   * @param olderThan snapshots older than this are expired (e.g. {@code 7d})
   * @param retainLast but at least this many are kept per table
   */
  public void run(String olderThan, int retainLast, PrintStream out) {
    Duration age = CurationConfig.duration(olderThan);
    Instant cutoff = Instant.now().minus(age);
    List<String> tables = new ArrayList<>();
    for (CuratedTable t : CuratedTable.values()) {
      tables.add(t.tableName());
    }
    tables.add(CurationJob.DQ_RESULTS);
    tables.add(CurationJob.CURATION_RUNS);
    String system = config.catalogName() + ".system";
    for (String table : tables) {
      String name = config.namespace() + "." + table;
      if (!spark.catalog().tableExists(config.qualified(table))) {
        continue;
      }
      Row rewritten = spark.sql("CALL " + system + ".rewrite_data_files(table => '" + name + "')").first();
      Row expired = spark.sql("CALL " + system + ".expire_snapshots(table => '" + name + "', older_than => TIMESTAMP '"
          + UTC.format(cutoff) + "', retain_last => " + retainLast + ")").first();
      out.printf("%-14s rewrote %s data files into %s; expired: %s deleted data files, %s manifests%n", table,
          rewritten.get(0), rewritten.get(1), expired.get(0), expired.get(3));
    }
  }
}
