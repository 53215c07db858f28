package dev.millrace.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The benchmark program: runs every {@link Benchmark} on this machine and prints one table.
 *
 * <p>Usage: {@code java -jar bench/target/millrace-bench.jar [--scale 0.1] [--only kafka,collector] [--out DIR]}.
 * Figures are only comparable within one run: every ratio is to a baseline measured in the same run.
 */
public final class BenchMain {

  public static void main(String[] args) throws Exception {
    double scale = 1.0;
    Set<String> only = Set.of();
    Path out = Path.of("bench", "target");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--scale" -> scale = Double.parseDouble(args[++i]);
        case "--only" -> only = Set.of(args[++i].split(","));
        case "--out" -> out = Path.of(args[++i]);
        case "--help", "-h" -> {
          System.out.println("usage: millrace-bench [--scale FACTOR] [--only NAME,...] [--out DIR]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
      }
    }
    BenchContext context = new BenchContext(scale, only, out);
    List<Benchmark> benchmarks = ServiceLoader.load(Benchmark.class).stream()
        .map(ServiceLoader.Provider::get)
        .sorted(Comparator.comparingInt(Benchmark::order))
        .toList();
    for (Benchmark benchmark : benchmarks) {
      // A stage's baseline always runs, so its ratio can be printed.
      if (!only.isEmpty() && !benchmark.selectedBy(only) && benchmark.order() >= 100) {
        continue;
      }
      System.err.printf("running %s ...%n", benchmark.name());
      for (Result result : benchmark.run(context)) {
        context.add(result);
      }
    }
    print(context, System.out);
    System.exit(0); // servers and client threads of the benchmarks are shut down by their hooks
  }

  static void print(BenchContext context, PrintStream out) {
    String header = String.format(Locale.ROOT, "%-52s %12s %-8s %9s %9s %9s  %-6s %s",
        "row", "items/s", "unit", "MB/s", "p50 ms", "p99 ms", "ratio", "note");
    out.println(header);
    out.println("-".repeat(header.length()));
    for (Result r : context.results()) {
      String ratio = r.baseline() == null ? ""
          : context.result(r.baseline())
              .map(b -> String.format(Locale.ROOT, "%.2fx", r.perSecond() / b.perSecond()))
              .orElse("n/a");
      out.println(String.format(Locale.ROOT, "%-52s %12.0f %-8s %9s %9s %9s  %-6s %s",
          r.row(), r.perSecond(), r.unit(),
          r.bytes() > 0 ? String.format(Locale.ROOT, "%.1f", r.megabytesPerSecond()) : "",
          Double.isNaN(r.p50Millis()) ? "" : String.format(Locale.ROOT, "%.1f", r.p50Millis()),
          Double.isNaN(r.p99Millis()) ? "" : String.format(Locale.ROOT, "%.1f", r.p99Millis()),
          ratio, r.note()));
    }
    for (String section : context.sections()) {
      out.println();
      out.print(section);
    }
  }

  private BenchMain() {}
}
