package dev.millrace.batch.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.support.MemoryStore;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecoveryTest {

  private final MemoryStore store = new MemoryStore();
  private final ObjectNames names = new ObjectNames("events");
  private final Destination views = Destination.of("page_view", 0);
  private final Destination clicks = Destination.of("click", 0);

  private void uploaded(Destination d, long first, long last, boolean dataExists) throws Exception {
    String dataKey = names.dataKey(d, new ObjectNames.DataFile("t", 0, first, last));
    store.put(names.receiptKey("t", 0, first, last), dataKey.getBytes(StandardCharsets.UTF_8));
    if (dataExists) {
      store.put(dataKey, new byte[] {1});
    }
  }

  @Test
  void aRecordIsADuplicateOnlyWhenAFileOfItsOwnDestinationCoversItsOffset() throws Exception {
    // page_view file [10..50] was uploaded while a click file opened at 20 kept the commit at 20.
    uploaded(views, 10, 50, true);
    Recovery.AlreadyStored stored = Recovery.recover(store, names, "t", 0, 20);
    assertThat(stored.contains(views, 25)).isTrue();
    assertThat(stored.contains(views, 50)).isTrue();
    assertThat(stored.contains(clicks, 25)).as("a click at 25 was in the unflushed click file").isFalse();
    assertThat(stored.contains(views, 51)).isFalse();
    assertThat(stored.maxLast()).isEqualTo(50);
  }

  @Test
  void aReceiptWhoseUploadHasNotLandedIsNotStoredButItsRangeGoesToTheNewOwner() throws Exception {
    uploaded(views, 10, 50, false);
    Recovery.AlreadyStored stored = Recovery.recover(store, names, "t", 0, 10);
    assertThat(stored.contains(views, 30)).as("its records are written again").isFalse();
    // The old owner may still finish that upload: the new owner writes the same range, so the
    // same key, and the receipt stays until the new owner's file is there and committed.
    assertThat(stored.unfinished()).containsEntry(views, java.util.Map.of(10L, 50L));
    assertThat(store.objects).containsKey(names.receiptKey("t", 0, 10, 50));
  }

  @Test
  void aRecoveryCutOffBetweenCallsGoesOnWhereItStopped() throws Exception {
    uploaded(views, 10, 50, true);
    uploaded(clicks, 20, 60, true);
    Recovery.InProgress recovery = new Recovery.InProgress("t", 0, 10);
    int[] callsLeft = {2};
    java.util.function.BooleanSupplier twoCallsPerTurn = () -> callsLeft[0]-- <= 0;
    int turns = 0;
    Recovery.AlreadyStored stored = null;
    while (stored == null) {
      callsLeft[0] = 2;
      int before = store.calls;
      stored = recovery.resume(store, names, twoCallsPerTurn);
      assertThat(store.calls - before).as("store calls in one turn").isLessThanOrEqualTo(3);
      turns++;
    }
    assertThat(turns).isGreaterThan(1);
    assertThat(stored.files()).isEqualTo(2);
    assertThat(stored.contains(clicks, 40)).isTrue();
  }

  @Test
  void receiptsBelowTheCommittedOffsetAreGarbageCollected() throws Exception {
    uploaded(views, 0, 9, true);
    uploaded(clicks, 3, 70, true);
    Recovery.AlreadyStored stored = Recovery.recover(store, names, "t", 0, 10);
    assertThat(stored.files()).isEqualTo(1);
    assertThat(stored.contains(clicks, 40)).isTrue();
    assertThat(store.objects.keySet()).noneMatch(k -> k.equals(names.receiptKey("t", 0, 0, 9)));
    assertThat(store.objects).containsKey(names.dataKey(views, new ObjectNames.DataFile("t", 0, 0, 9)));
  }

  @Test
  void otherPartitionsReceiptsAreNotRead() throws Exception {
    String dataKey = names.dataKey(views, new ObjectNames.DataFile("t", 1, 0, 100));
    store.put(names.receiptKey("t", 1, 0, 100), dataKey.getBytes(StandardCharsets.UTF_8));
    store.put(dataKey, new byte[] {1});
    assertThat(Recovery.recover(store, names, "t", 0, 0).isEmpty()).isTrue();
  }
}
