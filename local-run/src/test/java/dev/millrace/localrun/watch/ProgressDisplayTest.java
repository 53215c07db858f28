package dev.millrace.localrun.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {

  static final PipelineCounts COUNTS = new PipelineCounts(2940, 60, 2900, 40, 0, 2890, 100, 3, 2900, 2);

  @Test
  void oneLinePerStageWithEveryCount() {
    List<String> lines = ProgressDisplay.lines(COUNTS, "3,000 sent");
    assertThat(lines).hasSize(6);
    assertThat(lines.get(1)).contains("3,000 events").contains("2,940 accepted").contains("60 refused");
    assertThat(lines.get(2)).contains("2,900");
    assertThat(lines.get(3)).contains("collector 60").contains("enricher 40").contains("batch loader 0");
    assertThat(lines.get(4)).contains("2,890 events").contains("100 dead letters");
    assertThat(lines.get(5)).contains("2,900 rows in 3 Parquet files (2 more files open or uploading)");
  }

  @Test
  void anUnknownCountShowsAsAQuestionMark() {
    List<String> lines = ProgressDisplay.lines(new PipelineCounts(1, 0, 0, 0, 0, -1, -1, -1, -1, -1), "");
    assertThat(lines.get(4)).contains("? events");
  }

  @Test
  void onATerminalTheBlockIsRewrittenInPlace() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressDisplay display = new ProgressDisplay(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
    display.show(List.of("a", "b"));
    display.show(List.of("c", "d"));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(
        "\r\033[2Ka\n\r\033[2Kb\n" + "\033[2A" + "\r\033[2Kc\n\r\033[2Kd\n");
  }

  @Test
  void onAPipeOnlyChangesArePrinted() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressDisplay display = new ProgressDisplay(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    display.show(List.of("a"));
    display.show(List.of("a"));
    display.show(List.of("b"));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("a\n\nb\n\n").doesNotContain("\033");
  }

  @Test
  void prometheusCountersAreSummedAcrossLabels() {
    String text = """
        # HELP millrace_batch_rows_total rows
        # TYPE millrace_batch_rows_total counter
        millrace_batch_rows_total{event_type="page_view"} 120.0
        millrace_batch_rows_total{event_type="purchase"} 7.0
        millrace_batch_rows_skipped_total 99.0
        """;
    assertThat(Prometheus.sum(text, "millrace_batch_rows_total")).isEqualTo(127.0);
    assertThat(Prometheus.sum(text, "absent_metric")).isEqualTo(-1);
  }
}
