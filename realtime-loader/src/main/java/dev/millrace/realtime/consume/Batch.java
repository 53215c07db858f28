package dev.millrace.realtime.consume;

import dev.millrace.realtime.index.LoaderDocument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Documents gathered for one bulk request, with the offsets they cover: the first offset per
 * partition (where to seek back if the batch is abandoned) and the offset to commit once it is safe.
 */
final class Batch {

  private final List<LoaderDocument> documents = new ArrayList<>();
  private final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
  private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
  private final long createdNanos;
  private long bytes;

  Batch(long nowNanos) {
    this.createdNanos = nowNanos;
  }

  void add(LoaderDocument doc, TopicPartition partition, long offset) {
    documents.add(doc);
    bytes += doc.sizeInBytes();
    firstOffsets.putIfAbsent(partition, offset);
    nextOffsets.put(partition, offset + 1);
  }

  boolean isEmpty() {
    return documents.isEmpty();
  }

  boolean isFull(BatchLimits limits) {
    return documents.size() >= limits.maxActions() || bytes >= limits.maxBytes();
  }

  boolean isDue(BatchLimits limits, long nowNanos) {
    return !isEmpty() && (isFull(limits) || nowNanos - createdNanos >= limits.lingerNanos());
  }

  List<LoaderDocument> documents() {
    return documents;
  }

  Map<TopicPartition, Long> firstOffsets() {
    return firstOffsets;
  }

  Map<TopicPartition, OffsetAndMetadata> commitOffsets() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    nextOffsets.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next)));
    return offsets;
  }

  /** When to send a batch: whichever limit is reached first. */
  record BatchLimits(int maxActions, long maxBytes, long lingerNanos) {}
}
