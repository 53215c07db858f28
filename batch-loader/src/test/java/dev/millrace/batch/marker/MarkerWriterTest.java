package dev.millrace.batch.marker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.support.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MarkerWriterTest {

  private final MemoryStore store = new MemoryStore();
  private final ObjectNames names = new ObjectNames("events");
  private final MarkerWriter markers = new MarkerWriter(store, names, "enriched", Duration.ofMinutes(1));

  @Test
  void theGlobalWatermarkIsTheLowestPartitionsAndWaitsForEveryPartition() throws Exception {
    markers.publish(0, 5_000);
    assertThat(markers.globalWatermark(2, Map.of())).isEmpty();
    markers.publish(1, 3_000);
    assertThat(markers.globalWatermark(2, Map.of())).hasValue(3_000);
    assertThat(markers.globalWatermark(2, Map.of(1, 4_000L))).hasValue(4_000);
  }

  @Test
  void anObjectInTheWatermarkFolderThatIsNotAWatermarkIsIgnored() throws Exception {
    markers.publish(0, 5_000);
    markers.publish(1, 3_000);
    // What s3proxy's filesystem backend lists while an object is being written.
    store.put(names.watermarkDirectory("enriched") + "p1-c71d2730-8961-4f22-9261-68f4c6ca48c6",
        "partial".getBytes(StandardCharsets.UTF_8));
    assertThat(markers.globalWatermark(2, Map.of())).hasValue(3_000);
  }
}
