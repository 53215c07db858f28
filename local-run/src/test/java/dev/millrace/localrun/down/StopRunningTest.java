package dev.millrace.localrun.down;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StopRunningTest {

  @TempDir Path home;
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  @Test
  void thePidFileNamesTheLauncherAndEachService() {
    PidFile pids = PidFile.parse(List.of("launcher 100", "enrichment-api 101", "collector 102", ""));
    assertThat(pids.launcher()).contains(100L);
    assertThat(pids.services()).containsExactly(Map.entry("enrichment-api", 101L), Map.entry("collector", 102L));
  }

  @Test
  void aPidFileCutShortByACrashKeepsItsWholeLines() {
    PidFile pids = PidFile.parse(List.of("launcher 100", "collector 10", "enricher"));
    assertThat(pids.launcher()).contains(100L);
    assertThat(pids.services()).containsOnlyKeys("collector");
    assertThat(PidFile.parse(List.of("launcher x")).launcher()).isEmpty();
  }

  @Test
  void onlyProcessesThatAreStillOursAreEnded() {
    assertThat(PidFile.isOurs("collector", "/jdk/bin/java -Xmx384m -jar collector-service/target/x-exec.jar")).isTrue();
    assertThat(PidFile.isOurs(PidFile.SUPERSET, "/repo/.millrace/venvs/superset-ab12/bin/python /repo/.millrace/venvs/"
        + "superset-ab12/bin/gunicorn --workers 1 superset.app:create_app()")).isTrue();
    assertThat(PidFile.isOurs(PidFile.SUPERSET, "/bin/bash /repo/analytics/bin/superset-serve")).isTrue();
    // A pid given to something else after a crash.
    assertThat(PidFile.isOurs(PidFile.SUPERSET, "/usr/sbin/sshd -D")).isFalse();
    assertThat(PidFile.isOurs("collector", "/usr/bin/python3 app.py")).isFalse();
  }

  @Test
  void withoutAPidFileNothingRunsAndTheUserIsToldSo() {
    int code = new StopRunning(out, pid -> Optional.empty()).stop(home, Duration.ofSeconds(1));
    assertThat(code).isEqualTo(StopRunning.NOTHING_RUNNING);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("nothing is running");
  }

  @Test
  void aPidFileOfAFinishedRunIsNothingRunning() throws Exception {
    Files.writeString(home.resolve("pids"), "launcher 4000000\ncollector 4000001\n");
    int code = new StopRunning(out, pid -> Optional.empty()).stop(home, Duration.ofSeconds(1));
    assertThat(code).isEqualTo(StopRunning.NOTHING_RUNNING);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("nothing is running").contains(home.resolve("pids").toString());
  }

  @Test
  void aLiveLauncherIsStoppedAndWaitedFor() throws Exception {
    // A stand-in launcher: a child process that ends on SIGTERM, as the real one does after its hook.
    Process fake = new ProcessBuilder("sleep", "60").start();
    Files.writeString(home.resolve("pids"), "launcher " + fake.pid() + "\n");
    // The filter keeps only processes that run millrace: this one is accepted by pid.
    StopRunning stop = new StopRunning(out, pid -> pid == fake.pid() && fake.isAlive()
        ? Optional.of(new NamedHandle(fake.toHandle())) : Optional.empty());
    assertThat(stop.stop(home, Duration.ofSeconds(10))).isEqualTo(StopRunning.STOPPED);
    assertThat(fake.isAlive()).isFalse();
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("launcher pid " + fake.pid()).contains("stopped in");
  }

  /** A real process handle whose command line reads as a millrace launcher. */
  private record NamedHandle(ProcessHandle real) implements ProcessHandle {
    public long pid() { return real.pid(); }
    public Optional<ProcessHandle> parent() { return real.parent(); }
    public java.util.stream.Stream<ProcessHandle> children() { return real.children(); }
    public java.util.stream.Stream<ProcessHandle> descendants() { return real.descendants(); }
    public Info info() {
      Info info = real.info();
      return new Info() {
        public Optional<String> command() { return info.command(); }
        public Optional<String> commandLine() { return Optional.of("java -jar millrace-local-run-exec.jar"); }
        public Optional<String[]> arguments() { return info.arguments(); }
        public Optional<java.time.Instant> startInstant() { return info.startInstant(); }
        public Optional<java.time.Duration> totalCpuDuration() { return info.totalCpuDuration(); }
        public Optional<String> user() { return info.user(); }
      };
    }
    public java.util.concurrent.CompletableFuture<ProcessHandle> onExit() { return real.onExit().thenApply(h -> this); }
    public boolean supportsNormalTermination() { return real.supportsNormalTermination(); }
    public boolean destroy() { return real.destroy(); }
    public boolean destroyForcibly() { return real.destroyForcibly(); }
    public boolean isAlive() { return real.isAlive(); }
    public int compareTo(ProcessHandle other) { return real.compareTo(other); }
  }
}
