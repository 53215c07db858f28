package dev.millrace.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurveReportTest {

  private static final List<String> GROUPS = List.of("millrace-enricher", "millrace-realtime-loader");

  private static final List<CurveReport.Row> ROWS = List.of(
      new CurveReport.Row("idle", 10, 10, 100, 0, 900, 1100, 5200, 6100,
          Map.of("millrace-enricher", 3L, "millrace-realtime-loader", 0L)),
      new CurveReport.Row("50%", 1000, 990, 250, 2, 1300, 2600, 6000, 9000,
          Map.of("millrace-enricher", 1200L, "millrace-realtime-loader", 800L)),
      new CurveReport.Row("100%", 2000, 1800, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Map.of()));

  @Test
  void theTableGivesSecondsLagAndTheTargetsVerdicts() {
    String table = CurveReport.table(ROWS, 2000, GROUPS);
    String idle = table.lines().filter(l -> l.startsWith("idle")).findFirst().orElseThrow();
    assertThat(idle).contains("0.90").contains("1.10").contains("6.10").contains("PASS");
    String half = table.lines().filter(l -> l.startsWith("50%")).findFirst().orElseThrow();
    assertThat(half).contains("250-2").contains("1,200").contains("2.60").contains("BELOW");
    assertThat(table).contains("maximum sustained rate 2000 events/s").contains("lag enricher");
  }

  @Test
  void theFilesAreWrittenIntoTheOutputFolder(@TempDir Path dir) throws Exception {
    Path png = CurveReport.write(dir.resolve("out"), ROWS, 2000, GROUPS);
    byte[] bytes = Files.readAllBytes(png);
    assertThat(bytes.length).isGreaterThan(1000);
    assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    assertThat(Files.readString(dir.resolve("out").resolve(CurveReport.CSV_FILE)).lines())
        .hasSize(4)
        .first().asString().startsWith("step,target_per_s,sent_per_s");
    assertThat(Files.readString(dir.resolve("out").resolve(CurveReport.TABLE_FILE))).contains("idle");
  }
}
