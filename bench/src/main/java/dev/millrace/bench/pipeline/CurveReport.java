package dev.millrace.bench.pipeline;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The rate/freshness curve as a table (stdout and {@code pipeline-curve.txt}), a CSV and a PNG plot,
 * written to the bench's output folder. No I/O but the files named; unit-tested on a temp folder.
 */
public final class CurveReport {

  /**
   * One row of the curve.
   *
   * @param label "idle", "10%", ...
   * @param targetRate events/s asked for
   * @param sentRate events/s the collector accepted
   * @param probes probe events; {@code unresolved} of them not seen at both ends in time
   * @param searchableP50 event-to-searchable, ms (NaN when no probe was seen)
   * @param lagMax per consumer group, the largest lag sampled during the step
   */
  public record Row(String label, double targetRate, double sentRate, int probes, int unresolved,
                    double searchableP50, double searchableP99, double s3P50, double s3P99,
                    Map<String, Long> lagMax) {}

  public static final String TABLE_FILE = "pipeline-curve.txt";
  public static final String CSV_FILE = "pipeline-curve.csv";
  public static final String PNG_FILE = "pipeline-curve.png";

  private CurveReport() {}

  /**
   * The table, with the freshness targets of issue #25: searchable p99 ≤ 2 s at 50% of the maximum,
   * ≤ 1.2 s idle.
   */
  public static String table(List<Row> rows, double maxRate, List<String> groups) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "rate/freshness curve (maximum sustained rate %.0f events/s)%n", maxRate));
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-6s %9s %9s %7s %10s %10s %10s %10s",
        "step", "target/s", "sent/s", "probes", "srch p50", "srch p99", "s3 p50", "s3 p99"));
    for (String g : groups) header.append(String.format(Locale.ROOT, " %12s", "lag " + shortName(g)));
    header.append("  target");
    out.append(header).append('\n').append("-".repeat(header.length())).append('\n');
    for (Row r : rows) {
      out.append(String.format(Locale.ROOT, "%-6s %9.0f %9.0f %7s %10s %10s %10s %10s", r.label(), r.targetRate(),
          r.sentRate(), r.unresolved() == 0 ? Integer.toString(r.probes()) : r.probes() + "-" + r.unresolved(),
          seconds(r.searchableP50()), seconds(r.searchableP99()), seconds(r.s3P50()), seconds(r.s3P99())));
      for (String g : groups) {
        Long lag = r.lagMax().get(g);
        out.append(String.format(Locale.ROOT, " %12s", lag == null || lag < 0 ? "" : String.format(Locale.ROOT, "%,d", lag)));
      }
      out.append("  ").append(target(r)).append('\n');
    }
    out.append("srch = event-to-searchable, s3 = event-to-S3, in seconds (probe events: send -> first seen);")
        .append(" lag = max records behind, sampled every 1 s; probes N-M: M not seen at both ends in time\n");
    return out.toString();
  }

  private static String target(Row r) {
    if (r.label().equals("idle")) {
      return "srch p99 <= " + seconds(Targets.SEARCHABLE_P99_IDLE_MS) + " s: "
          + Targets.atMost(r.searchableP99(), Targets.SEARCHABLE_P99_IDLE_MS);
    }
    if (r.label().equals("50%")) {
      return "srch p99 <= " + seconds(Targets.SEARCHABLE_P99_AT_HALF_MS) + " s: "
          + Targets.atMost(r.searchableP99(), Targets.SEARCHABLE_P99_AT_HALF_MS);
    }
    return "";
  }

  private static String shortName(String group) {
    return group.replace("millrace-", "").replace("-loader", "");
  }

  private static String seconds(double millis) {
    return Double.isNaN(millis) ? "" : String.format(Locale.ROOT, "%.2f", millis / 1000);
  }

  public static String csv(List<Row> rows, List<String> groups) {
    StringBuilder out = new StringBuilder("step,target_per_s,sent_per_s,probes,unresolved,searchable_p50_ms,"
        + "searchable_p99_ms,s3_p50_ms,s3_p99_ms");
    groups.forEach(g -> out.append(",lag_max_").append(g));
    out.append('\n');
    for (Row r : rows) {
      out.append(String.format(Locale.ROOT, "%s,%.1f,%.1f,%d,%d,%.0f,%.0f,%.0f,%.0f", r.label(), r.targetRate(),
          r.sentRate(), r.probes(), r.unresolved(), r.searchableP50(), r.searchableP99(), r.s3P50(), r.s3P99()));
      groups.forEach(g -> out.append(',').append(r.lagMax().getOrDefault(g, -1L)));
      out.append('\n');
    }
    return out.toString();
  }

  /**
   * Latency (s, left axis) and consumer lag (records, right axis) against the rate sent: one line per
   * percentile and end, one per group; the targets as dashed markers in the title.
   */
  public static JFreeChart chart(List<Row> rows, double maxRate, List<String> groups) {
    XYSeriesCollection latency = new XYSeriesCollection();
    XYSeries sp50 = new XYSeries("searchable p50");
    XYSeries sp99 = new XYSeries("searchable p99");
    XYSeries s3p50 = new XYSeries("S3 p50");
    XYSeries s3p99 = new XYSeries("S3 p99");
    for (Row r : rows) {
      add(sp50, r.sentRate(), r.searchableP50() / 1000);
      add(sp99, r.sentRate(), r.searchableP99() / 1000);
      add(s3p50, r.sentRate(), r.s3P50() / 1000);
      add(s3p99, r.sentRate(), r.s3P99() / 1000);
    }
    latency.addSeries(sp50);
    latency.addSeries(sp99);
    latency.addSeries(s3p50);
    latency.addSeries(s3p99);
    JFreeChart chart = ChartFactory.createXYLineChart(
        String.format(Locale.ROOT, "Millrace pipeline: freshness vs rate (max sustained %.0f events/s)", maxRate),
        "events/s sent", "event-to-searchable / event-to-S3 (s)", latency, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer left = new XYLineAndShapeRenderer(true, true);
    // Searchable in blues, S3 in oranges; p99 drawn thicker than p50.
    Color[] colors = {new Color(0x6BAED6), new Color(0x08519C), new Color(0xFDAE6B), new Color(0xD94801)};
    for (int i = 0; i < colors.length; i++) {
      left.setSeriesPaint(i, colors[i]);
      left.setSeriesStroke(i, new BasicStroke(i % 2 == 0 ? 1.5f : 2.5f));
    }
    plot.setRenderer(0, left);
    XYSeriesCollection lags = new XYSeriesCollection();
    for (String g : groups) {
      XYSeries s = new XYSeries("lag max " + shortName(g) + " (right)");
      for (Row r : rows) {
        Long lag = r.lagMax().get(g);
        if (lag != null && lag >= 0) s.add(r.sentRate(), lag.doubleValue());
      }
      lags.addSeries(s);
    }
    NumberAxis lagAxis = new NumberAxis("consumer lag, max (records)");
    plot.setRangeAxis(1, lagAxis);
    plot.setDataset(1, lags);
    plot.mapDatasetToRangeAxis(1, 1);
    XYLineAndShapeRenderer right = new XYLineAndShapeRenderer(true, true);
    Color[] grays = {new Color(0x252525), new Color(0x737373), new Color(0xBDBDBD)};
    for (int i = 0; i < groups.size(); i++) {
      right.setSeriesPaint(i, grays[i % grays.length]);
      right.setSeriesStroke(i, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
          new float[] {6f, 4f}, 0f));
    }
    plot.setRenderer(1, right);
    return chart;
  }

  private static void add(XYSeries series, double x, double y) {
    if (!Double.isNaN(y) && !Double.isNaN(x)) series.add(x, y);
  }

  /** Writes the table, the CSV and the PNG into {@code dir}; returns the PNG's path. */
  public static Path write(Path dir, List<Row> rows, double maxRate, List<String> groups) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(TABLE_FILE), table(rows, maxRate, groups), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(CSV_FILE), csv(rows, groups), StandardCharsets.UTF_8);
    Path png = dir.resolve(PNG_FILE);
    System.setProperty("java.awt.headless", "true");
    ChartUtils.saveChartAsPNG(png.toFile(), chart(rows, maxRate, groups), 1000, 600);
    return png;
  }

  /** Prints the table. */
  public static void print(PrintStream out, List<Row> rows, double maxRate, List<String> groups) {
    out.print(table(rows, maxRate, groups));
  }
}
