package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JVM killed with SIGKILL (a CI time-out, {@code kill -9}) takes its servers with it. */
class WatchdogIT {

  @TempDir
  Path base;

  @Test
  void serversDieWithTheJvmThatStartedThemEvenWhenItIsKilledHard() throws Exception {
    Process owner = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
        "-Xmx128m", "-XX:+UseSerialGC", "-Dmillrace.localstack.dir=" + base,
        "-cp", System.getProperty("java.class.path"), OrphanProbe.class.getName())
        .redirectErrorStream(true)
        .start();
    List<ProcessHandle> servers;
    try {
      awaitReady(owner);
      servers = recordedProcesses();
      assertThat(servers).as("the owner's S3 server, from its run folder's pid files").isNotEmpty();
    } finally {
      owner.destroyForcibly();
    }
    assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();

    for (ProcessHandle server : servers) {
      assertThat(server.onExit().completeOnTimeout(null, 60, TimeUnit.SECONDS).get())
          .as("server process %d after its owner was killed", server.pid()).isNotNull();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (runFolders().findAny().isPresent() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(runFolders()).as("run folders left under " + base).isEmpty();
  }

  private static void awaitReady(Process owner) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line; (line = out.readLine()) != null; ) {
      if (line.equals(OrphanProbe.READY)) {
        return;
      }
      seen.append(line).append('\n');
    }
    throw new AssertionError("the probe exited before its server was ready:\n" + seen);
  }

  private List<ProcessHandle> recordedProcesses() throws Exception {
    List<ProcessHandle> processes = new ArrayList<>();
    try (Stream<Path> files = Files.walk(base)) {
      for (Path pids : files.filter(f -> f.getFileName().toString().equals(RunFolder.PIDS)).toList()) {
        for (String line : Files.readAllLines(pids)) {
          RunFolder.matching(line.trim()).ifPresent(processes::add);
        }
      }
    }
    return processes;
  }

  private Stream<Path> runFolders() throws Exception {
    if (!Files.isDirectory(base)) {
      return Stream.empty();
    }
    try (Stream<Path> list = Files.list(base)) {
      return list.filter(Files::isDirectory).toList().stream();
    }
  }
}
