package dev.millrace.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** What a benchmark gets: the run's scale, its selection, its output folder and the rows measured so far. */
public final class BenchContext {

  private final double scale;
  private final Set<String> only;
  private final Path out;
  private final List<Result> results = new ArrayList<>();
  private final List<String> sections = new ArrayList<>();

  public BenchContext(double scale) {
    this(scale, Set.of(), Path.of("bench", "target"));
  }

  /**
   * @param only the {@code --only} names; empty for every section
   * @param out where sections write their files ({@code --out}, default {@code bench/target})
   */
  public BenchContext(double scale, Set<String> only, Path out) {
    this.scale = scale;
    this.only = Set.copyOf(only);
    this.out = out;
  }

  /** True when {@code --only} names {@code name} (an empty {@code --only} names only the default sections). */
  public boolean selected(String name) {
    return only.contains(name);
  }

  /** The folder for files a section writes (tables, plots). */
  public Path out() {
    return out;
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
   * Runs {@code pass} until the JIT has gone quiet: until a pass (the second or later) during which
   * the compiler threads worked less than a tenth of its wall time, or until {@code budget} is
   * spent. A service's steady state is what its users get after minutes of traffic; on two cores
   * the compiler competes with the code being measured, and this JVM holds every service's code
   * (some 16,000 compiled methods). The collector needed about 30 one-second passes: after six,
   * compilation still took more than half a core, and the measured rate was 40% lower.
   *
   * @return the passes run
   */
  public static int warmUp(Duration budget, Pass pass) throws Exception {
    return warmUp(Duration.ZERO, budget, pass);
  }

  /**
   * As {@link #warmUp(Duration, Pass)}, for at least {@code minimum}. A baseline needs it: its
   * server (the broker, s3proxy) is a JVM of its own, started just before, whose compiler this JVM
   * cannot see; measured after two seconds of warm-up, the producer baseline swung between 128,000
   * and 235,000 records/s, and the services measured later met an already warm broker.
   */
  public static int warmUp(Duration minimum, Duration budget, Pass pass) throws Exception {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long began = System.nanoTime();
    for (int i = 1; ; i++) {
      long compiledBefore = jit.getTotalCompilationTime();
      long passBegan = System.nanoTime();
      pass.run();
      long wallMillis = (System.nanoTime() - passBegan) / 1_000_000;
      long compileMillis = jit.getTotalCompilationTime() - compiledBefore;
      long elapsed = System.nanoTime() - began;
      boolean quiet = i >= 2 && compileMillis * 10 < wallMillis && elapsed >= minimum.toNanos();
      if (quiet || elapsed >= budget.toNanos()) {
        System.err.printf(Locale.ROOT,
            "warm-up: %d pass(es) in %.0f s, %s; the last compiled %d ms in %d ms%n", i,
            (System.nanoTime() - began) / 1e9, quiet ? "JIT quiet" : "budget spent",
            compileMillis, wallMillis);
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

  /** A block of text printed after the table (e.g. the rate/freshness curve). */
  public void addSection(String text) {
    sections.add(text);
  }

  public List<String> sections() {
    return Collections.unmodifiableList(sections);
  }
}
