package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {

  @TempDir
  Path base;

  @Test
  void orphansOfAJvmThatDiedAreKilledAndTheirFolderDeleted() throws Exception {
    Process deadOwner = new ProcessBuilder("true").start();
    String owner = RunFolder.describe(deadOwner.toHandle());
    deadOwner.waitFor();
    Process orphan = new ProcessBuilder("sleep", "60").start();
    Path stale = Files.createDirectories(base.resolve("1-stale/kafka"));
    Files.writeString(base.resolve("1-stale").resolve(RunFolder.OWNER), owner);
    RunFolder.recordPids(stale.resolve(RunFolder.PIDS), List.of(orphan.toHandle()));

    RunFolder.reapStale(base);

    assertThat(orphan.waitFor(10, TimeUnit.SECONDS)).as("orphan killed").isTrue();
    assertThat(base.resolve("1-stale")).doesNotExist();
  }

  @Test
  void aLiveJvmsFolderAndServersAreLeftAlone() throws Exception {
    Process server = new ProcessBuilder("sleep", "60").start();
    try {
      RunFolder live = RunFolder.create(base);
      Path kafka = live.serverFolder("kafka");
      RunFolder.recordPids(kafka.resolve(RunFolder.PIDS), List.of(server.toHandle()));

      RunFolder.reapStale(base);

      assertThat(server.isAlive()).isTrue();
      assertThat(kafka).isDirectory();
      live.delete();
      assertThat(live.path()).doesNotExist();
      assertThat(base).as("empty base removed with the last run").doesNotExist();
    } finally {
      server.destroyForcibly().waitFor();
    }
  }

  @Test
  void aRecycledPidIsNotMistakenForTheRecordedProcess() throws Exception {
    Process bystander = new ProcessBuilder("sleep", "60").start();
    try {
      // Same pid, different start time: the process we recorded is gone, this one is someone else's.
      String wrongStart = bystander.pid() + " 12345";
      assertThat(RunFolder.matching(wrongStart)).isEmpty();
      assertThat(RunFolder.matching(RunFolder.describe(bystander.toHandle()))).isPresent();
    } finally {
      bystander.destroyForcibly().waitFor();
    }
  }
}
