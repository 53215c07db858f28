package dev.millrace.localrun.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupersetRunTest {

  /** The repository root: the tests run in local-run/. */
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final SupersetRun.Login LOGIN = new SupersetRun.Login("admin", "demo-password", "k".repeat(64));

  @TempDir Path dir;

  @Test
  void theScriptGetsTheRunsTrinoPortAndSecretsInItsEnvironment() {
    Map<String, String> env = SupersetRun.environment(Path.of("/run/state/superset"), "http://127.0.0.1:41236", 8088, LOGIN);
    assertThat(env).containsEntry("MILLRACE_TRINO_URI", "trino://superset@127.0.0.1:41236")
        .containsEntry("SUPERSET_BIND", "127.0.0.1:8088")
        .containsEntry("SUPERSET_HOME", "/run/state/superset")
        .containsEntry("SUPERSET_ADMIN_USER", "admin")
        .containsEntry("SUPERSET_ADMIN_PASSWORD", "demo-password")
        .containsEntry("SUPERSET_SECRET_KEY", "k".repeat(64))
        .containsEntry("SUPERSET_WORKERS", "1");
    // The command is the shared script alone: no secret on a command line, where ps shows it.
    assertThat(SupersetRun.script(REPO)).isEqualTo(REPO.resolve("analytics/bin/superset-serve")).isExecutable();
  }

  @Test
  void eachRunHasItsOwnRandomPasswordAndKeyThatNoMessageShows() {
    SupersetRun.Login a = SupersetRun.Login.random();
    SupersetRun.Login b = SupersetRun.Login.random();
    assertThat(a.password()).isNotEqualTo(b.password()).hasSizeGreaterThanOrEqualTo(20);
    // superset_config.py refuses a key shorter than 32 characters.
    assertThat(a.secretKey()).isNotEqualTo(b.secretKey()).hasSizeGreaterThanOrEqualTo(32);
    assertThat(a.toString()).doesNotContain(a.password()).doesNotContain(a.secretKey());
  }

  @Test
  void withoutPythonSupersetIsSkippedWithOneLineSayingWhatIsMissing() throws Exception {
    // A PATH with only what the script needs to get as far as looking for Python.
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String tool : List.of("bash", "dirname", "basename")) {
      Path real = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream().filter(Files::isExecutable)
          .findFirst().orElseThrow();
      // A wrapper, not a link: JUnit warns when it deletes links that point outside the temp dir.
      Path wrapper = Files.writeString(bin.resolve(tool), "#!/bin/sh\nexec " + real + " \"$@\"\n");
      assertThat(wrapper.toFile().setExecutable(true)).isTrue();
    }
    assertThat(SupersetRun.unavailable(REPO, Map.of("PATH", bin.toString(), "MILLRACE_PYTHON", "")))
        .contains("bin/python-venv: no Python 3.11 (neither python3.11 nor python3 is on PATH; install it or set MILLRACE_PYTHON)");
    assertThat(SupersetRun.unavailable(REPO, Map.of("MILLRACE_PYTHON", dir.resolve("python3").toString())))
        .hasValueSatisfying(line -> assertThat(line).startsWith("bin/python-venv: no Python 3.11 (")
            .contains("does not run").doesNotContain("\n"));
    assertThat(SupersetRun.unavailable(dir, Map.of())).contains(dir.resolve("analytics/bin/superset-serve") + " is missing");
  }

  @Test
  void theDisplayShowsTheScriptsLastStepWhileItStarts() {
    List<String> log = List.of("superset-serve: creating the Python environment (once per lock; minutes the first time)",
        "INFO  [alembic.runtime.migration] Running upgrade",
        "superset-serve: setting up the metadata database in /x", "Admin User admin created.");
    assertThat(SupersetRun.lastStep(log)).contains("setting up the metadata database in /x");
    assertThat(SupersetRun.lastStep(List.of("no step yet"))).isEmpty();
    assertThat(SupersetRun.displayLine(new SupersetRun.State(SupersetRun.Phase.STARTING, "importing the dashboards"),
        "http://127.0.0.1:8088/dashboard/list/")).isEqualTo("  superset       importing the dashboards");
    assertThat(SupersetRun.displayLine(new SupersetRun.State(SupersetRun.Phase.READY, "4 dashboards: A, B, C, D"),
        "http://127.0.0.1:8088/dashboard/list/"))
        .isEqualTo("  superset       ready: http://127.0.0.1:8088/dashboard/list/ (4 dashboards: A, B, C, D)");
  }

  @Test
  void aFailedStartSaysWhatItWasDoing() {
    Path log = Path.of("/repo/.millrace/logs/superset.log");
    assertThat(SupersetRun.failure(1, "creating the Python environment (once per lock; minutes the first time)", log))
        .isEqualTo("exited with status 1 while creating the Python environment (no PyPI access?); see " + log);
    assertThat(SupersetRun.failure(1, "importing the dashboards (Trino 127.0.0.1:4100)", log))
        .isEqualTo("exited with status 1 while importing the dashboards (Trino 127.0.0.1:4100); see " + log);
  }

  @Test
  void theSummaryGivesTheDashboardsUrlAndTheDemoLogin() {
    Path file = Path.of("/repo/.millrace/superset.properties");
    Path log = Path.of("/repo/.millrace/logs/superset.log");
    assertThat(SupersetRun.summaryLines(new SupersetRun.State(SupersetRun.Phase.READY, "4 dashboards: A, B, C, D"),
        "http://127.0.0.1:8088", LOGIN, file, log)).containsExactly(
        "Dashboards (Superset http://127.0.0.1:8088, 4 dashboards: A, B, C, D):",
        "  http://127.0.0.1:8088/dashboard/list/   e.g. http://127.0.0.1:8088/superset/dashboard/product-overview/",
        "  demo login (this run only; also in /repo/.millrace/superset.properties): admin / demo-password");
    assertThat(SupersetRun.summaryLines(new SupersetRun.State(SupersetRun.Phase.STARTING, "importing the dashboards"),
        "http://127.0.0.1:8088", LOGIN, file, log)).first().asString()
        .isEqualTo("Dashboards (Superset, still starting: importing the dashboards; log /repo/.millrace/logs/superset.log), soon at:");
    assertThat(SupersetRun.summaryLines(new SupersetRun.State(SupersetRun.Phase.FAILED, "exited with status 1, see x.log"),
        "http://127.0.0.1:8088", LOGIN, file, log)).containsExactly("Superset failed: exited with status 1, see x.log.");
  }

  @Test
  void theLoginFileHoldsWhatTheUserNeedsToLogIn() {
    RunEndpoints.writeOwnerOnly(dir.resolve(SupersetRun.FILE), "password=x\n");
    assertThat(dir.resolve(SupersetRun.FILE)).hasContent("password=x");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
        assertThatPermissions(dir.resolve(SupersetRun.FILE)))).isEqualTo("rw-------");
  }

  private static java.util.Set<java.nio.file.attribute.PosixFilePermission> assertThatPermissions(Path file) {
    try {
      return Files.getPosixFilePermissions(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
