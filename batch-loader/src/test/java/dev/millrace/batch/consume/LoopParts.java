package dev.millrace.batch.consume;

import dev.millrace.batch.config.BatchProperties;
import dev.millrace.batch.parquet.SpillFile;
import dev.millrace.batch.parquet.WireEvent;
import dev.millrace.batch.partition.Destination;
import dev.millrace.batch.store.ObjectNames;
import dev.millrace.batch.support.Events;
import dev.millrace.batch.support.FakeClock;
import dev.millrace.batch.support.MemoryStore;
import dev.millrace.retry.Backoff;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The loop's parts wired as {@link LoaderLoop} wires them, on a fake clock and an in-memory store,
 * for tests of one part at a time.
 */
final class LoopParts {

  static final TopicPartition TP = new TopicPartition("enriched", 0);
  static final TopicPartition TP1 = new TopicPartition("enriched", 1);
  static final Instant T0 = Instant.parse("2026-11-20T10:05:00Z");

  final BatchProperties props;
  final FakeClock clock = new FakeClock(T0);
  final MemoryStore store = new MemoryStore();
  final ObjectNames names = new ObjectNames("events");
  final LoaderMetrics metrics = new LoaderMetrics(new SimpleMeterRegistry());
  final Map<TopicPartition, PartitionState> states = new HashMap<>();
  final TurnBudget turn;
  final StoreHealth health;
  final Uploader uploader;
  private final Backoff backoff;

  LoopParts(BatchProperties props) {
    this.props = props;
    this.backoff = Backoff.jittered(props.retry().initialBackoff(), props.retry().maxBackoff());
    this.turn = new TurnBudget(clock, props.turnBudget());
    this.health = new StoreHealth(backoff.tracker(clock), turn, metrics);
    this.uploader = new Uploader(store, names, health, metrics, FaultInjection.NONE, states);
  }

  Backoff.Tracker newBackoff() {
    return backoff.tracker(clock);
  }

  /** A partition assigned now and recovered with nothing in the store, read from offset 0. */
  PartitionState recovered(TopicPartition tp) {
    PartitionState st = new PartitionState(tp, clock.millis());
    st.recovered = true;
    st.nextOffset = 0;
    st.lastCommitted = 0;
    states.put(tp, st);
    return st;
  }

  static ConsumerRecord<String, byte[]> record(TopicPartition tp, long offset, String type,
                                               Instant receivedAt) {
    return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, "k",
        Events.enriched("id-" + tp.partition() + "-" + offset, type, receivedAt).toByteArray());
  }

  static WireEvent parsed(ConsumerRecord<String, byte[]> record) throws IOException {
    WireEvent event = new WireEvent();
    event.parse(record.value());
    return event;
  }

  /**
   * A closed file of {@code st}'s partition holding offsets {@code first..last} of one type, put
   * where {@link OpenFiles} puts a file it closes: the partition's pending files and the upload
   * queue.
   */
  OpenFile closedFile(PartitionState st, String type, long first, long last) throws IOException {
    Path dir = props.spillDir();
    Files.createDirectories(dir);
    SpillFile spill = new SpillFile(dir.resolve(UUID.randomUUID() + ".parquet"), props.parquet());
    Destination destination = Destination.of(type, T0.toEpochMilli());
    OpenFile file = new OpenFile(st.partition, destination, spill, first, clock.millis());
    for (long offset = first; offset <= last; offset++) {
      spill.write(parsed(record(st.partition, offset, type, T0)), st.partition.topic(),
          st.partition.partition(), offset);
    }
    file.lastOffset = last;
    spill.close();
    file.size = Files.size(spill.path());
    st.pending.add(file);
    uploader.add(file);
    return file;
  }

  String dataKey(OpenFile file) {
    return names.dataKey(file.destination, file.dataFile());
  }

  String receiptKey(OpenFile file) {
    return names.receiptKey(file.partition.topic(), file.partition.partition(), file.firstOffset,
        file.lastOffset);
  }
}
