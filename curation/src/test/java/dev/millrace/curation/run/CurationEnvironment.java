package dev.millrace.curation.run;

import dev.millrace.curation.config.CurationConfig;
import java.nio.file.Path;
import java.util.Map;

/** Where the job's ITs keep the lake and the warehouse. */
final class CurationEnvironment {

  private CurationEnvironment() {}

  static Map<String, String> settings(Path dir) {
    String p = CurationConfig.PREFIX;
    return Map.of(
        p + "catalog.type", "hadoop",
        p + "catalog.warehouse", dir.resolve("warehouse").toUri().toString(),
        p + "input.bucket", dir.resolve("lake").toUri().toString().replaceAll("/$", ""));
  }
}
