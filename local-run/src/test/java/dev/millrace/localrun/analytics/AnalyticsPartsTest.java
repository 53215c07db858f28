package dev.millrace.localrun.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AnalyticsPartsTest {

  @TempDir Path dir;

  static final RunEndpoints ENDPOINTS = new RunEndpoints("http://127.0.0.1:4100", "curated",
      "jdbc:postgresql://127.0.0.1:4101/millrace_catalog", "millrace", "pg-secret", "s3://millrace-curated/warehouse",
      "http://127.0.0.1:4102", "us-east-1", "access", "s3-secret", "s3://millrace-events", "events", "millrace");

  @Test
  void theEndpointsFileGivesBackWhatTheLauncherWrote() throws Exception {
    ENDPOINTS.write(dir);
    assertThat(RunEndpoints.parse(Files.readString(dir.resolve(RunEndpoints.FILE)))).isEqualTo(ENDPOINTS);
    // It holds the run's passwords: only its owner reads it.
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(RunEndpoints.FILE))))
        .isEqualTo("rw-------");
  }

  @Test
  void anIncompleteEndpointsFileNamesWhatItLacks() {
    assertThatThrownBy(() -> RunEndpoints.parse("trino.url=http://x\n"))
        .hasMessageContaining("lacks").hasMessageContaining("catalog.jdbc-url").hasMessageContaining("s3.secret-key");
  }

  @Test
  void theJobsSecretsAreInItsEnvironmentNeverOnItsCommandLine() throws Exception {
    Path target = Files.createDirectories(dir.resolve("curation/target"));
    Files.writeString(target.resolve("curation-classpath.txt"), "/m2/spark.jar:/m2/iceberg.jar\n");
    Files.writeString(target.resolve("curation-jvm.args"), "--add-opens=java.base/java.lang=ALL-UNNAMED\n");
    Files.writeString(target.resolve("millrace-curation-1.0.jar"), "");
    assertThat(CurationJob.missing(dir, "1.0")).isEmpty();
    List<String> command = CurationJob.command(Path.of("/jdk/bin/java"), dir, "1.0", ENDPOINTS,
        List.of("run", "--ds", "2026-12-06"));
    assertThat(command.subList(0, 2)).containsExactly("/jdk/bin/java", "-Xmx1g");
    assertThat(command).contains("@" + target.resolve("curation-jvm.args"),
        target.resolve("millrace-curation-1.0.jar") + ":/m2/spark.jar:/m2/iceberg.jar", "dev.millrace.curation.CurationMain",
        "run", "--ds", "2026-12-06", "millrace.curation.catalog.uri=jdbc:postgresql://127.0.0.1:4101/millrace_catalog",
        "millrace.curation.input.bucket=s3://millrace-events", "millrace.curation.spark-master=local[2]");
    assertThat(String.join(" ", command)).doesNotContain("pg-secret").doesNotContain("s3-secret");
    assertThat(ENDPOINTS.curationSecrets()).containsEntry("MILLRACE_CURATION_CATALOG_JDBC_PASSWORD", "pg-secret")
        .containsEntry("MILLRACE_CURATION_S3_SECRET_KEY", "s3-secret");
  }

  @Test
  void aMissingJobBuildIsNamedWithTheCommandThatBuildsIt() {
    assertThat(CurationJob.missing(dir, "1.0")).hasSize(3)
        .allSatisfy(m -> assertThat(m).contains("./mvnw -q -B -DskipTests -pl curation -am package"));
  }

  @Test
  void aDayIsCuratedOnlyOnceAll24HoursAreMarked() {
    List<String> keys = new ArrayList<>();
    for (int h = 0; h < 24; h++) {
      keys.add(String.format("events/_markers/dt=2026-12-05/hour=%02d/_SUCCESS", h));
    }
    for (int h = 0; h < 7; h++) {
      keys.add(String.format("events/_markers/dt=2026-12-06/hour=%02d/_SUCCESS", h));
    }
    keys.add("events/_markers/cursor");
    keys.add("events/event_type=page_view/dt=2026-12-04/hour=00/_SUCCESS"); // a directory's manifest, not the hour's
    assertThat(MarkedDays.whole(keys, "events")).containsExactly(LocalDate.parse("2026-12-05"));
    assertThat(MarkedDays.hoursMarked(keys, "events")).containsEntry(LocalDate.parse("2026-12-06"), 7)
        .doesNotContainKey(LocalDate.parse("2026-12-04"));
    assertThat(MarkedDays.demoDays(LocalDate.parse("2026-12-07"), 3))
        .containsExactly(LocalDate.parse("2026-12-04"), LocalDate.parse("2026-12-05"), LocalDate.parse("2026-12-06"));
  }

  @Test
  void theDisplayShowsEachDayRowsPerTableAndTheLastPublishedDay() {
    TreeMap<LocalDate, String> days = new TreeMap<>(Map.of(LocalDate.parse("2026-12-05"), "published",
        LocalDate.parse("2026-12-06"), "17/24 hours marked"));
    Map<String, Long> rows = new LinkedHashMap<>();
    rows.put("events", 1234L);
    rows.put("sessions", 56L);
    assertThat(new CuratedState(days, rows, LocalDate.parse("2026-12-05")).lines()).containsExactly(
        "  curation       2026-12-05 published · 2026-12-06 17/24 hours marked",
        "  curated rows   events 1,234 · sessions 56 · last published ds 2026-12-05");
    assertThat(new CuratedState(days, Map.of(), null).lines().get(1))
        .isEqualTo("  curated rows   none yet · last published ds none");
  }

  @Test
  void curateTakesOneDayOrARange() {
    assertThat(parse("--ds", "2026-12-06").jobArgs()).containsExactly("run", "--ds", "2026-12-06");
    assertThat(parse("--from", "2026-12-04", "--to", "2026-12-06", "--allow-incomplete").jobArgs())
        .containsExactly("backfill", "--from", "2026-12-04", "--to", "2026-12-06", "--allow-incomplete");
    assertThatThrownBy(() -> parse("--from", "2026-12-04").jobArgs()).hasMessageContaining("either --ds D or both");
    assertThatThrownBy(() -> parse("--from", "2026-12-06", "--to", "2026-12-04").jobArgs())
        .hasMessageContaining("--to 2026-12-04 is before --from 2026-12-06");
  }

  @Test
  void curateWithoutARunningInstanceSaysHowToStartOne() throws Exception {
    CurateMain curate = parse("--ds", "2026-12-06", "--repo", dir.toString());
    assertThat(curate.call()).isEqualTo(2);
  }

  private static CurateMain parse(String... args) {
    CurateMain main = new CurateMain();
    new CommandLine(main).parseArgs(args);
    return main;
  }
}
