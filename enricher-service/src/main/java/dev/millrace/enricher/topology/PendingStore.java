package dev.millrace.enricher.topology;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The pending store: records waiting for their enrichment, by input offset, written to the
 * changelogged store only if they are still waiting when the task commits.
 *
 * <p>Most records are enriched and written out within one commit interval. Kafka Streams' record
 * cache already kept their values off the changelog, but every one still cost a serialization,
 * two cache entries and a tombstone on the changelog at the commit. Here a record put and removed
 * between two commits costs a map entry and nothing on the changelog: only records still pending
 * when a commit begins are written to the logged store (in the same transaction as the input
 * offsets, as before), and only those get a tombstone when they leave.
 *
 * <p>The commit hook is Kafka Streams' {@link CachedStateStore}: a task flushes every store that
 * implements it before it commits its offsets, on every path (interval, request, revocation,
 * close). That interface is internal to Kafka Streams; EnricherIT's crash test and
 * PendingStoreTest fail if a Kafka upgrade stops calling it before the offsets commit.
 */
final class PendingStore implements KeyValueStore<Long, PendingRecord>, CachedStateStore<Long, PendingRecord> {

  private final KeyValueStore<Long, PendingRecord> logged;
  /** Put since the last commit, not yet in the logged store. */
  private final Map<Long, PendingRecord> unflushed = new LinkedHashMap<>();

  private PendingStore(KeyValueStore<Long, PendingRecord> logged) {
    this.logged = logged;
  }

  /** The store's builder: an in-memory store with a changelog, behind this one. */
  static StoreBuilder<KeyValueStore<Long, PendingRecord>> builder(String name) {
    return new Builder(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.Long(),
        PendingRecord.SERDE).withCachingDisabled());
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    unflushed.clear();
    // Registered as root, so the task's commit reaches flushCache() here.
    logged.init(context, root);
  }

  /**
   * A record waits in memory until the next commit; a removal is a tombstone only for a record
   * that reached the logged store (flushed at a commit, or restored from the changelog).
   */
  @Override
  public void put(Long key, PendingRecord value) {
    if (value != null) {
      unflushed.put(key, value);
    } else if (unflushed.remove(key) == null) {
      logged.put(key, null);
    }
  }

  @Override
  public PendingRecord putIfAbsent(Long key, PendingRecord value) {
    PendingRecord old = get(key);
    if (old == null) {
      put(key, value);
    }
    return old;
  }

  @Override
  public void putAll(List<KeyValue<Long, PendingRecord>> entries) {
    entries.forEach(e -> put(e.key, e.value));
  }

  @Override
  public PendingRecord delete(Long key) {
    PendingRecord old = get(key);
    put(key, null);
    return old;
  }

  @Override
  public PendingRecord get(Long key) {
    PendingRecord r = unflushed.get(key);
    return r != null ? r : logged.get(key);
  }

  /** Writes the records put since the last commit to the logged store: called before the offsets commit. */
  @Override
  public void flushCache() {
    for (Map.Entry<Long, PendingRecord> e : unflushed.entrySet()) {
      logged.put(e.getKey(), e.getValue());
    }
    unflushed.clear();
  }

  /** Drops what was not committed: the task's state goes back to its changelog. */
  @Override
  public void clearCache() {
    unflushed.clear();
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<Long, PendingRecord> listener, boolean sendOldValues) {
    return false;
  }

  /**
   * Every pending record, in offset order. Only read when a task starts, after its restore; it
   * reads the logged store, so records put since the last commit are flushed to it first.
   */
  @Override
  public KeyValueIterator<Long, PendingRecord> all() {
    flushCache();
    return logged.all();
  }

  @Override
  public KeyValueIterator<Long, PendingRecord> range(Long from, Long to) {
    flushCache();
    return logged.range(from, to);
  }

  @Override
  public long approximateNumEntries() {
    return unflushed.size() + logged.approximateNumEntries();
  }

  @Override
  public String name() {
    return logged.name();
  }

  @Override
  public void flush() {
    logged.flush();
  }

  @Override
  public void close() {
    unflushed.clear();
    logged.close();
  }

  @Override
  public boolean persistent() {
    return logged.persistent();
  }

  @Override
  public boolean isOpen() {
    return logged.isOpen();
  }

  private record Builder(StoreBuilder<KeyValueStore<Long, PendingRecord>> logged)
      implements StoreBuilder<KeyValueStore<Long, PendingRecord>> {

    @Override
    public StoreBuilder<KeyValueStore<Long, PendingRecord>> withCachingEnabled() {
      return this; // this store is the cache
    }

    @Override
    public StoreBuilder<KeyValueStore<Long, PendingRecord>> withCachingDisabled() {
      return this;
    }

    @Override
    public StoreBuilder<KeyValueStore<Long, PendingRecord>> withLoggingEnabled(Map<String, String> config) {
      return new Builder(logged.withLoggingEnabled(config));
    }

    @Override
    public StoreBuilder<KeyValueStore<Long, PendingRecord>> withLoggingDisabled() {
      return new Builder(logged.withLoggingDisabled());
    }

    @Override
    public KeyValueStore<Long, PendingRecord> build() {
      return new PendingStore(logged.build());
    }

    @Override
    public Map<String, String> logConfig() {
      return logged.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
      return logged.loggingEnabled();
    }

    @Override
    public String name() {
      return logged.name();
    }
  }
}
