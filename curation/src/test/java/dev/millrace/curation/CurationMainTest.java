package dev.millrace.curation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.curation.fixture.Day;
import dev.millrace.curation.fixture.LakeFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.iceberg.hadoop.HadoopFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

class CurationMainTest {

  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(Map<String, String> env, String... args) {
    return CurationMain.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''                                         | no command",
      "publish --ds 2026-11-30                    | unknown command 'publish'",
      "run                                        | run needs --ds YYYY-MM-DD",
      "run --ds 30.11.2026                        | --ds must be a date YYYY-MM-DD, not '30.11.2026'",
      "run --ds                                   | --ds needs a value",
      "backfill --from 2026-11-30                 | backfill needs --from and --to",
      "backfill --from 2026-11-30 --to 2026-11-01 | --to 2026-11-01 is before --from 2026-11-30",
      "run --ds 2026-11-30 --tables evnets        | evnets",
      "run --ds 2026-11-30 --set nokey            | --set takes KEY=VALUE, not 'nokey'",
      "run --ds 2026-11-30 --fast                 | unknown option '--fast'",
      "maintain --dry-run                         | maintain has no --dry-run"})
  void aBadCommandLineExits2WithTheReasonAndTheUsage(String args, String reason) {
    int code = run(Map.of(), args.isBlank() ? new String[0] : args.trim().split("\\s+"));

    assertThat(code).isEqualTo(2);
    assertThat(err()).contains("millrace-curation: ").contains(reason).contains("usage: millrace-curation run");
  }

  @Test
  void aMissingSettingExits2NamingTheKeyAndItsEnvironmentVariable() {
    int code = run(Map.of(), "run", "--ds", "2026-11-30");

    assertThat(code).isEqualTo(2);
    assertThat(err()).contains("millrace.curation.catalog.uri is required (or MILLRACE_CURATION_CATALOG_URI)");
  }

  @Test
  void aDryRunPrintsTablesChecksAndTheMarkedHoursWithoutSpark(@TempDir Path dir) throws Exception {
    Path lake = Files.createDirectories(dir.resolve("lake"));
    String bucket = lake.toUri().toString().replaceAll("/$", "");
    try (HadoopFileIO io = new HadoopFileIO(new org.apache.hadoop.conf.Configuration())) {
      LakeFixture fixture = new LakeFixture(io, bucket, "events", Files.createDirectories(dir.resolve("spill")));
      fixture.write(Day.one());
      fixture.markDays(Day.ONE, Day.ONE);
      fixture.unmark(Day.ONE, 12);
    }
    Map<String, String> env = Map.of(
        "MILLRACE_CURATION_CATALOG_TYPE", "hadoop",
        "MILLRACE_CURATION_CATALOG_WAREHOUSE", dir.resolve("warehouse").toUri().toString(),
        "MILLRACE_CURATION_INPUT_BUCKET", bucket);

    int code = run(env, "run", "--ds", Day.ONE.toString(), "--tables", "sessions", "--dry-run");

    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(err()).isZero();
    assertThat(printed).contains("events", "sessions").doesNotContain("funnel_daily");
    assertThat(printed).contains("sessions_exist").contains("conservation");
    assertThat(printed).contains("ds 2026-11-30: 23 marked hours, 8 files; MISSING hours [12] (the run would fail)");
    assertThat(Files.exists(dir.resolve("warehouse"))).as("a dry run writes nothing").isFalse();
  }
}
