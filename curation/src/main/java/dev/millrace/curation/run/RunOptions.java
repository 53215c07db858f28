package dev.millrace.curation.run;

import java.util.List;

/**
 * How to run a day.
 *
 * @param tables the tables asked for ({@code --tables}); empty means all. Their dependencies are built too.
 * @param allowIncomplete build the day from its marked hours even when some are missing, and say so
 */
public record RunOptions(List<String> tables, boolean allowIncomplete) {

  public static RunOptions all() {
    return new RunOptions(List.of(), false);
  }
}
