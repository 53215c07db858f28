package dev.millrace.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BenchMainTest {

  @Test
  void aStageRowShowsItsRatioToTheBaselineOfTheSameRun() {
    BenchContext context = new BenchContext(1.0);
    context.add(Result.throughput("kafka producer", 100_000, "records", 1.0, 100_000 * 1024L));
    context.add(Result.throughput("collector http batch", 60_000, "events", 1.0, 0)
        .withLatency(2.5, 9.0).comparedTo("kafka producer"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BenchMain.print(context, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String table = bytes.toString(StandardCharsets.UTF_8);
    assertThat(table).contains("kafka producer").contains("97.7"); // 100,000 KB/s in MB/s
    assertThat(table.lines().filter(l -> l.startsWith("collector http batch")).findFirst().orElseThrow())
        .contains("60000").contains("2.5").contains("9.0").contains("0.60x");
  }

  @Test
  void aMissingBaselineIsShownAsNotAvailableRatherThanFailingTheRun() {
    BenchContext context = new BenchContext(1.0);
    context.add(Result.throughput("loader", 10, "docs", 1.0, 0).comparedTo("es bulk"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BenchMain.print(context, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("n/a");
  }

  @Test
  void sectionsArePrintedAfterTheTable() {
    BenchContext context = new BenchContext(1.0);
    context.add(Result.throughput("kafka producer", 100_000, "records", 1.0, 0));
    context.addSection("rate/freshness curve\n");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BenchMain.print(context, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text.indexOf("rate/freshness curve")).isGreaterThan(text.indexOf("kafka producer"));
  }
}
