package dev.millrace.bench;

import java.util.List;
import java.util.Set;

/**
 * One group of rows in the benchmark table. Implementations are listed in
 * {@code META-INF/services/dev.millrace.bench.Benchmark}; each stage of the pipeline adds its own.
 * Baselines (raw Kafka, Elasticsearch, S3) run first so that every stage can print its ratio to the
 * baseline measured in the same run, on the same servers.
 */
public interface Benchmark {

  /** Runs in ascending order; baselines use 0-99, stages 100 and up. */
  int order();

  /** Short name, used by {@code --only}. */
  String name();

  /**
   * Whether {@code --only} selects this benchmark; a benchmark with optional sections (the pipeline's
   * curve) also answers to their names.
   */
  default boolean selectedBy(Set<String> only) {
    return only.contains(name());
  }

  /** Measures and returns its rows; earlier rows are in {@code context.results()}. */
  List<Result> run(BenchContext context) throws Exception;
}
