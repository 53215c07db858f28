package dev.millrace.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What a benchmark gets: the run's scale and the rows measured so far. */
public final class BenchContext {

  private final double scale;
  private final List<Result> results = new ArrayList<>();

  public BenchContext(double scale) {
    this.scale = scale;
  }

  /** Multiplies item counts: 1.0 by default, smaller with {@code --scale 0.1} for a quick run. */
  public double scale() {
    return scale;
  }

  /** {@code n} scaled, at least 1. */
  public int scaled(int n) {
    return Math.max(1, (int) Math.round(n * scale));
  }

  /** A warm-up pass. */
  @FunctionalInterface
  public interface Pass {
    void run() throws Exception;
  }

  /**
   * Runs {@code pass} until the JIT has gone quiet: until a pass during which the compiler threads
   * worked less than a tenth of its wall time, or {@code maxPasses} passes. On two cores the
   * compiler competes with the code being measured; a fixed warm-up that left it compiling put
   * 0.4-0.5 of a core of compilation into the measured windows.
   *
   * @return the passes run
   */
  public static int warmUp(int maxPasses, Pass pass) throws Exception {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    for (int i = 1; ; i++) {
      long compiledBefore = jit.getTotalCompilationTime();
      long began = System.nanoTime();
      pass.run();
      long wallMillis = (System.nanoTime() - began) / 1_000_000;
      long compileMillis = jit.getTotalCompilationTime() - compiledBefore;
      if (i >= maxPasses || compileMillis * 10 < wallMillis) {
        System.err.printf(Locale.ROOT, "warm-up: %d pass(es), the last compiled %d ms in %d ms%n",
            i, compileMillis, wallMillis);
        return i;
      }
    }
  }

  public List<Result> results() {
    return Collections.unmodifiableList(results);
  }

  public Optional<Result> result(String row) {
    return results.stream().filter(r -> r.row().equals(row)).findFirst();
  }

  void add(Result result) {
    results.add(result);
  }
}
