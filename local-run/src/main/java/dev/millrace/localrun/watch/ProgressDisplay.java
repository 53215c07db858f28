package dev.millrace.localrun.watch;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * One line per stage, rewritten in place on a terminal (ANSI cursor-up + erase line); on a pipe
 * or a log file it prints a block only when something changed, so the output stays readable.
 */
public final class ProgressDisplay {

  private static final String UP = "\033[%dA";
  private static final String ERASE = "\r\033[2K";

  private final PrintStream out;
  private final boolean terminal;
  private int linesShown;
  private List<String> last = List.of();

  public ProgressDisplay(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** The lines for these counts; pure, so it is tested without a terminal. */
  public static List<String> lines(PipelineCounts c, String producerLine) {
    return List.of(
        String.format(Locale.ROOT, "  producer       %s", producerLine),
        String.format(Locale.ROOT, "  collected      %s events (%s accepted to Kafka, %s refused)",
            n(c.collected()), n(c.raw()), n(c.collectorDeadLetters())),
        String.format(Locale.ROOT, "  enriched       %s events", n(c.enriched())),
        String.format(Locale.ROOT, "  dead-lettered  collector %s · enricher %s · batch loader %s",
            n(c.collectorDeadLetters()), n(c.enricherDeadLetters()), n(c.batchDeadLetters())),
        String.format(Locale.ROOT, "  indexed in ES  %s events · %s dead letters",
            n(c.indexedEvents()), n(c.indexedDeadLetters())),
        String.format(Locale.ROOT, "  written to S3  %s rows in %s Parquet files%s", n(c.s3Rows()), n(c.s3Objects()),
            c.s3FilesNotUploaded() > 0
                ? String.format(Locale.ROOT, " (%,d more files open or uploading)", c.s3FilesNotUploaded()) : ""));
  }

  private static String n(long value) {
    return value < 0 ? "?" : String.format(Locale.ROOT, "%,d", value);
  }

  public synchronized void show(List<String> lines) {
    if (!terminal) {
      if (!lines.equals(last)) {
        lines.forEach(out::println);
        out.println();
        last = lines;
      }
      return;
    }
    if (linesShown > 0) {
      out.printf(UP, linesShown);
    }
    for (String line : lines) {
      out.print(ERASE);
      out.println(line);
    }
    out.flush();
    linesShown = lines.size();
    last = lines;
  }

  /** Ends in-place updating: what is printed next goes below the block. */
  public synchronized void release() {
    linesShown = 0;
  }
}
