package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {

  @TempDir
  Path dir;

  @Test
  void killTakesTheWholeProcessTreeNotJustTheParent() throws Exception {
    // Like the Elasticsearch launcher: a parent that starts the real server as its child.
    ChildProcess parent = ChildProcess.start(List.of("sh", "-c", "sleep 60 & wait"), Map.of(), dir,
        dir.resolve("log"), dir.resolve("pids"));
    ProcessHandle child = awaitChild(parent);

    parent.kill();

    assertThat(parent.isAlive()).isFalse();
    assertThat(child.isAlive()).isFalse();
  }

  @Test
  void interruptSignalsOnlyTheRootThenKillsWhatIsLeftOfTheTree() throws Exception {
    // Like the PostgreSQL postmaster: SIGINT asks the root to shut down; its children are its business.
    ChildProcess parent = ChildProcess.start(
        List.of("sh", "-c", "trap 'echo interrupted; exit 0' INT; sleep 60 & wait"), Map.of(), dir,
        dir.resolve("log"), dir.resolve("pids"));
    ProcessHandle child = awaitChild(parent);

    parent.interrupt(10);

    assertThat(parent.exitValue()).as("the root exited by itself").isZero();
    assertThat(Files.readString(dir.resolve("log"))).contains("interrupted");
    assertThat(child.isAlive()).isFalse();
  }

  @Test
  void tailGivesTheLastLinesOfTheLog() throws Exception {
    Path log = dir.resolve("console.log");
    Files.writeString(log, "one\ntwo\nthree\nfour\n");
    assertThat(ChildProcess.tail(log, 2)).isEqualTo("three\nfour");
    assertThat(ChildProcess.tail(dir.resolve("missing"), 2)).startsWith("(could not read");
  }

  private static ProcessHandle awaitChild(ChildProcess parent) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      var pids = parent.treeForTest();
      if (pids.size() > 1) {
        return pids.get(1);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("child never started");
  }
}
