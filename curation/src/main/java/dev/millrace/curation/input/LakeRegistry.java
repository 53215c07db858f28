package dev.millrace.curation.input;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.ParquetUtil;

/**
 * {@code raw_events}: the batch loader's Parquet files registered in Iceberg by reference (as
 * Iceberg's {@code add_files} does), never copied. Spark then reads them through Iceberg and its
 * S3 client, with the day and hour from the metadata, and only the files a manifest named.
 *
 * <p>Registering is idempotent: a file already in the table is not added again.
 */
public final class LakeRegistry {

  public static final String TABLE = "raw_events";

  private final Catalog catalog;
  private final TableIdentifier id;

  public LakeRegistry(Catalog catalog, String namespace) {
    this.catalog = catalog;
    this.id = TableIdentifier.of(namespace, TABLE);
  }

  /**
   * The table, created on first use. The files carry no Iceberg field ids, so columns map by name.
   * The mapping is built from the created table's schema, not from {@link RawSchema#SCHEMA}: Iceberg
   * assigns fresh ids on create (nested ids after all top-level ones), and a mapping with the old
   * ids would give one column's Parquet statistics to another and prune files that match.
   */
  public Table table() {
    if (catalog.tableExists(id)) {
      return catalog.loadTable(id);
    }
    try {
      Transaction create = catalog.buildTable(id, RawSchema.SCHEMA).withPartitionSpec(RawSchema.SPEC)
          .withProperties(Map.of(TableProperties.FORMAT_VERSION, "2",
              // The files belong to the batch loader: no expiry or DROP ... PURGE may delete them.
              TableProperties.GC_ENABLED, "false",
              "comment", "The batch loader's Parquet files of marked hours, by reference (input of the curation job)"))
          .createTransaction();
      NameMapping mapping = MappingUtil.create(create.table().schema());
      create.updateProperties().set(TableProperties.DEFAULT_NAME_MAPPING, NameMappingParser.toJson(mapping)).commit();
      create.commitTransaction();
      return catalog.loadTable(id);
    } catch (org.apache.iceberg.exceptions.AlreadyExistsException e) {
      return catalog.loadTable(id); // another run created it first
    }
  }

  /**
   * Registers the plan's files not yet in the table, in one commit; returns how many were added.
   * Two runs of the same day may register at once: the commit fails if files of the day were added
   * since this run looked (Iceberg's conflict validation), and the run looks again.
   */
  public int register(InputPlan plan) {
    for (int attempt = 1; ; attempt++) {
      try {
        return tryRegister(plan);
      } catch (ValidationException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  private int tryRegister(InputPlan plan) {
    Table table = table();
    Snapshot base = table.currentSnapshot();
    Set<String> known = registered(table, plan.ds());
    NameMapping mapping = NameMappingParser.fromJson(table.properties().get(TableProperties.DEFAULT_NAME_MAPPING));
    MetricsConfig metricsConfig = MetricsConfig.forTable(table);
    OverwriteFiles append = table.newOverwrite()
        .conflictDetectionFilter(Expressions.equal("dt", plan.ds().toString()))
        .validateNoConflictingData();
    if (base != null) {
      append.validateFromSnapshot(base.snapshotId());
    }
    int added = 0;
    for (InputPlan.MarkedHour hour : plan.hours()) {
      for (String location : hour.files()) {
        if (known.contains(canonical(location))) {
          continue;
        }
        InputFile file = table.io().newInputFile(location);
        Metrics metrics = ParquetUtil.fileMetrics(file, metricsConfig, mapping);
        DataFile data = DataFiles.builder(table.spec()).withInputFile(file).withFormat(FileFormat.PARQUET)
            .withMetrics(metrics).withPartitionPath(String.format("dt=%s/hour=%d", plan.ds(), hour.hour())).build();
        append.addFile(data);
        added++;
      }
    }
    if (added > 0) {
      append.set("millrace.ds", plan.ds().toString()).commit();
    }
    return added;
  }

  private static Set<String> registered(Table table, LocalDate ds) {
    Set<String> known = new HashSet<>();
    if (table.currentSnapshot() == null) {
      return known;
    }
    try (CloseableIterable<FileScanTask> tasks =
        table.newScan().filter(Expressions.equal("dt", ds.toString())).planFiles()) {
      tasks.forEach(t -> known.add(canonical(t.file().location())));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return known;
  }

  /** A location as one spelling: Hadoop's file system stores {@code file:/x} for {@code file:///x}. */
  static String canonical(String location) {
    if (location.startsWith("file:")) {
      return java.nio.file.Path.of(java.net.URI.create(location)).toUri().toString();
    }
    return location;
  }
}
