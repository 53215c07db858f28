package dev.millrace.batch.consume;

import static dev.millrace.batch.consume.LoopParts.TP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.config.BatchProperties.MarkerMode;
import dev.millrace.batch.support.TestProps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uploads of closed files to an in-memory store, without a consumer. */
class UploaderTest {

  @TempDir Path dir;
  private LoopParts parts;
  private PartitionState st;

  @BeforeEach
  void setUp() {
    parts = new LoopParts(TestProps.props(dir.resolve("spill"), 1000, Duration.ofMinutes(5), 10,
        MarkerMode.NONE));
    st = parts.recovered(TP);
  }

  @Test
  void theReceiptGoesUpBeforeTheDataAndOnlyAStoredFileStopsHoldingTheCommit() throws Exception {
    st.nextOffset = 3;
    OpenFile file = parts.closedFile(st, "page_view", 0, 2);
    assertThat(st.committable()).isZero();

    parts.uploader.upload();

    assertThat(parts.store.log).containsExactly("put " + parts.receiptKey(file),
        "upload " + parts.dataKey(file));
    assertThat(parts.store.objects).containsKey(parts.dataKey(file));
    assertThat(parts.uploader.isEmpty()).isTrue();
    assertThat(st.committable()).isEqualTo(3);
    assertThat(st.receipts).containsExactly(Map.entry(2L, parts.receiptKey(file)));
    assertThat(file.spill.path()).doesNotExist();
  }

  @Test
  void filesGoUpInTheOrderTheyClosed() throws Exception {
    OpenFile first = parts.closedFile(st, "click", 0, 0);
    OpenFile second = parts.closedFile(st, "page_view", 1, 1);
    parts.uploader.upload();
    assertThat(parts.store.log).filteredOn(call -> call.startsWith("upload "))
        .containsExactly("upload " + parts.dataKey(first), "upload " + parts.dataKey(second));
  }

  @Test
  void whileTheStoreFailsAFileWaitsOnDiskAndCallsWaitForTheBackoff() throws Exception {
    OpenFile file = parts.closedFile(st, "page_view", 0, 2);
    parts.store.down = true;
    parts.uploader.upload();
    assertThat(parts.store.calls).as("stops at the first failure").isEqualTo(1);
    assertThat(parts.health.failing()).isTrue();
    assertThat(parts.health.trouble()).contains("object store failing");
    parts.uploader.upload();
    assertThat(parts.store.calls).as("not before the backoff").isEqualTo(1);
    assertThat(st.pending).containsExactly(file);
    assertThat(file.spill.path()).exists();

    parts.store.down = false;
    parts.clock.advance(parts.props.retry().maxBackoff());
    parts.uploader.upload();
    assertThat(parts.store.objects).containsKey(parts.dataKey(file));
    assertThat(parts.health.trouble()).isNull();
  }

  @Test
  void noStoreCallStartsOnceTheTurnIsOver() throws Exception {
    parts.closedFile(st, "page_view", 0, 2);
    parts.turn.start(parts.clock.millis());
    parts.uploader.upload();
    assertThat(parts.store.calls).isZero();
  }

  @Test
  void aFailedMultipartCompletionIsAbortedAndTheUploadStartsOverUnderTheSameKey()
      throws Exception {
    parts.store.partSize(1024);
    boolean[] completionTimesOut = {true};
    parts.store.timeOutUploadsOf(key -> completionTimesOut[0]);
    OpenFile file = parts.closedFile(st, "page_view", 0, 49);
    assertThat(file.size).isGreaterThan(1024);
    String key = parts.dataKey(file);

    parts.uploader.upload(); // receipt, start, parts, completion: fails
    assertThat(parts.store.log).contains("complete " + key);
    assertThat(file.uploadId).as("started over").isNull();

    completionTimesOut[0] = false;
    parts.clock.advance(parts.props.retry().maxBackoff());
    parts.uploader.abortAbandoned();
    parts.uploader.upload();
    assertThat(parts.store.aborted).containsExactly(key);
    assertThat(parts.store.objects).containsKey(key);
    assertThat(st.pending).isEmpty();
  }

  @Test
  void aDroppedPartitionsFilesAreDiscardedAndItsMultipartUploadAborted() throws Exception {
    parts.store.partSize(1024).slow(parts.clock, Duration.ofMillis(400));
    OpenFile file = parts.closedFile(st, "page_view", 0, 49);
    parts.turn.start(parts.clock.millis() + 1000); // a second: receipt, start, one part
    parts.uploader.upload();
    assertThat(file.uploadId).isNotNull();

    parts.uploader.drop(st);
    parts.turn.start();
    parts.uploader.abortAbandoned();
    parts.uploader.upload();

    assertThat(parts.uploader.isEmpty()).isTrue();
    assertThat(parts.store.aborted).containsExactly(parts.dataKey(file));
    assertThat(parts.store.keys(".parquet")).isEmpty();
    assertThat(file.spill.path()).doesNotExist();
  }
}
