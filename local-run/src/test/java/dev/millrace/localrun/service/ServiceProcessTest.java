package dev.millrace.localrun.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.localrun.LaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceProcessTest {

  @TempDir Path dir;

  private ServiceSpec spec() {
    return new ServiceSpec("collector", "collector-service", "millrace-collector-service", "64m", ServicePorts.free(), Map.of());
  }

  @Test
  void aMissingJarSaysHowToBuildIt() {
    assertThatThrownBy(() -> ServiceProcess.start(spec(), dir.resolve("nope.jar"), dir, List.of()))
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("nope.jar is missing")
        .hasMessageContaining("./mvnw -q -DskipTests -pl collector-service -am package");
  }

  @Test
  void aServiceThatDiesBeforeItIsReadyIsReportedWithItsLogAndLastLines() throws Exception {
    Path notAJar = Files.writeString(dir.resolve("broken.jar"), "not a jar");
    ServiceProcess process = ServiceProcess.start(spec(), notAJar, dir, List.of());
    assertThatThrownBy(() -> process.awaitReady(Duration.ofSeconds(30)))
        .isInstanceOf(LaunchException.class)
        .hasMessageStartingWith("collector exited with status 1 before it was ready")
        .hasMessageContaining("Its log: " + dir.resolve("collector.log"))
        .hasMessageContaining("  | ")
        .hasMessageContaining("broken.jar");
  }

  @Test
  void tailKeepsOnlyTheLastLines() throws Exception {
    Path log = Files.writeString(dir.resolve("x.log"), "1\n2\n3\n4\n");
    assertThat(ServiceProcess.tail(log, 2)).containsExactly("  | 3", "  | 4");
  }
}
