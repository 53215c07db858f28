package dev.millrace.localrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.localrun.service.ServicePorts;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherTest {

  @TempDir Path repo;

  @Test
  void theLauncherRunsTheJarsOfItsOwnVersion() {
    assertThat(Launcher.version()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  @Test
  void missingServiceJarsAreReportedBeforeAnythingStarts() {
    Launcher.Options options = new Launcher.Options(repo, repo.resolve(".millrace"), ServicePorts.Choice.FREE,
        Duration.ofSeconds(5), "5s");
    assertThatThrownBy(() -> Launcher.start(options, new PrintStream(OutputStream.nullOutputStream())))
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining(repo.resolve("enrichment-api/target/millrace-enrichment-api-" + Launcher.version()
            + "-exec.jar") + " is missing")
        .hasMessageContaining("./mvnw -q -DskipTests package");
  }
}
