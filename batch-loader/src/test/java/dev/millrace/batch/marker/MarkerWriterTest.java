package dev.millrace.batch.marker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.support.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
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

  @Test
  void markingOutOfTimeStopsBetweenStoreCallsAndTheNextCallMarksTheRestWhole() throws Exception {
    long h0 = 0;
    long hour = Duration.ofHours(1).toMillis();
    store.put("events/event_type=a/dt=1970-01-01/hour=00/f0.parquet", new byte[] {1});
    store.put("events/event_type=b/dt=1970-01-01/hour=00/f1.parquet", new byte[] {1});
    store.put("events/event_type=a/dt=1970-01-01/hour=01/f2.parquet", new byte[] {1});
    long watermark = h0 + 3 * hour + Duration.ofMinutes(1).toMillis();
    int[] callsAllowed = {3};
    int before = store.calls;
    // Room for the cursor read, the listing of types and one type of hour 00: not the hour marker.
    assertThat(markers.markCompleteHours(watermark, OptionalLong.of(h0),
        () -> store.calls - before >= callsAllowed[0])).isEmpty();
    assertThat(store.objects).doesNotContainKey(names.hourMarkerKey(h0));
    assertThat(store.objects).doesNotContainKey(names.markerCursorKey());

    assertThat(markers.markCompleteHours(watermark, OptionalLong.of(h0), () -> false))
        .containsExactly(h0, h0 + hour, h0 + 2 * hour);
    String manifest = new String(store.objects.get(names.hourMarkerKey(h0)), StandardCharsets.UTF_8);
    assertThat(manifest).contains("f0.parquet", "f1.parquet").doesNotContain("f2.parquet");
  }
}
