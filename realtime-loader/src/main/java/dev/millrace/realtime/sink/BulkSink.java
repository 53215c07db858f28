package dev.millrace.realtime.sink;

import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.realtime.index.DocumentMapper;
import dev.millrace.realtime.index.LoaderDocument;
import dev.millrace.realtime.ops.LoaderMetrics;
import dev.millrace.realtime.ops.LoaderStatus;
import dev.millrace.retry.Backoff;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches to Elasticsearch until every document of a batch is indexed or dead-lettered.
 *
 * <p>Per item: a 400 (mapping or parse error) is bad data, never retried: an event goes to the
 * dead-letter index as {@code INDEX_REJECTED} with Elasticsearch's error; 429, 5xx and other items that failed for the
 * cluster's sake, and whole requests that fail, are sent again after a backoff, only the failed items. There is no
 * attempt limit: while Elasticsearch is down a batch simply does not complete, the consumer loop
 * stops fetching and commits nothing, and the batch completes once Elasticsearch is back.
 *
 * <p>A refused dead letter is replaced by a minimal one, which only a broken index refuses. If it
 * is refused too, the record is not dropped: nothing durable would hold it but its topic, so it is
 * held back like a 5xx item (see {@link LoaderStatus}), and the loop commits nothing past it.
 */
public final class BulkSink implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BulkSink.class);

  private final BulkClient client;
  private final DocumentMapper mapper;
  private final Backoff retryPolicy;
  private final Sleeper sleeper;
  private final LoaderMetrics metrics;
  private final LoaderStatus status;
  private final ExecutorService executor;

  public BulkSink(BulkClient client, DocumentMapper mapper, Backoff retryPolicy,
                  Sleeper sleeper, LoaderMetrics metrics, int maxInFlight) {
    this.client = client;
    this.mapper = mapper;
    this.retryPolicy = retryPolicy;
    this.sleeper = sleeper;
    this.metrics = metrics;
    this.status = metrics.status();
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(maxInFlight, r -> {
      Thread t = new Thread(r, "realtime-bulk-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Writes the batch on one of the sink's threads. The caller bounds how many are outstanding; the
   * future is cancelled (with interrupt) to abandon a batch whose offsets will be consumed again.
   */
  public Future<?> submit(List<LoaderDocument> batch) {
    return executor.submit(() -> {
      write(batch);
      return null;
    });
  }

  /**
   * Returns once every document is indexed or dead-lettered; throws only when interrupted. A record
   * whose minimal dead letter Elasticsearch refuses is never given up: it is sent again after a
   * backoff until it is stored, with the loader's status blocked meanwhile, so that its offset and
   * every later one stay uncommitted.
   */
  public void write(List<LoaderDocument> batch) throws InterruptedException {
    Map<String, LoaderStatus.Blocked> blocked = new HashMap<>();
    try {
      List<LoaderDocument> pending = batch;
      int attempt = 0;
      while (!pending.isEmpty()) {
        List<ItemResult> results = send(pending, attempt);
        List<LoaderDocument> next = new ArrayList<>();
        int retried = 0;
        int refused = 0;
        for (int i = 0; i < pending.size(); i++) {
          LoaderDocument doc = pending.get(i);
          ItemResult result = results.get(i);
          switch (Outcome.of(result.status())) {
            case INDEXED -> {
              metrics.indexed(doc);
              LoaderStatus.Blocked b = blocked.remove(doc.origin().coordinates());
              if (b != null) {
                status.unblock(b);
                log.warn("the held-back record {} is stored at last; the loader goes on", doc.origin());
              }
            }
            case RETRY -> {
              next.add(doc);
              retried++;
            }
            case REJECTED -> {
              LoaderDocument replacement = replacement(doc, result);
              if (replacement != null) {
                next.add(replacement);
              } else {
                next.add(doc);
                refused++;
                hold(doc, result, blocked, attempt);
              }
            }
          }
        }
        if (retried > 0) {
          metrics.retried(retried);
        }
        if (retried + refused > 0) {
          if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("bulk write abandoned with " + (retried + refused) + " items to retry");
          }
          // attempt counts from 0, the policy's failures in a row from 1
          sleeper.sleep(retryPolicy.delay(++attempt));
        } else {
          // Only dead letters of refused documents are left: they go out at once.
          attempt = 0;
        }
        pending = next;
      }
    } finally {
      // Abandoned (the records will be read again) or stored: either way no longer held here.
      blocked.values().forEach(status::unblock);
    }
  }

  /**
   * Nothing durable holds this record but its topic: Elasticsearch refused its minimal dead letter
   * (or no dead letter could be made of it). Committing its offset would lose it, so it is held
   * back: the batch does not complete, its offsets and all later ones stay uncommitted, the loop
   * pauses fetching once batches back up, health is DOWN and the blocked-records gauge is 1 until
   * Elasticsearch takes it (e.g. once the dead-letter index is opened or fixed).
   */
  private void hold(LoaderDocument doc, ItemResult result, Map<String, LoaderStatus.Blocked> blocked,
                    int attempt) {
    metrics.fallbackRefused();
    String error = "status " + result.status() + ": " + result.error();
    LoaderStatus.Blocked previous = blocked.get(doc.origin().coordinates());
    if (previous == null) {
      blocked.put(doc.origin().coordinates(), status.block(doc.origin(), error));
      log.error("Elasticsearch refuses even the minimal dead letter of {} ({}) in index {}: the record"
          + " cannot be stored anywhere but its topic, so the loader does not commit past it; it is sent"
          + " again after a backoff until stored (health DOWN, millrace_realtime_blocked_records > 0)."
          + " Check the dead-letter index (closed, read-only, mapping).", doc.origin(), error, doc.index());
    } else if (attempt % 20 == 0) {
      log.error("still holding back {}: Elasticsearch refuses its minimal dead letter ({})", doc.origin(), error);
    }
  }

  private List<ItemResult> send(List<LoaderDocument> docs, int attempt) throws InterruptedException {
    long start = System.nanoTime();
    try {
      List<ItemResult> results = client.bulk(docs);
      metrics.bulkDone(System.nanoTime() - start, docs.size());
      if (results.size() != docs.size()) {
        throw new IllegalStateException("bulk answered " + results.size() + " items for " + docs.size());
      }
      return results;
    } catch (Exception e) {
      // Whole-request failures are transient by nature (connection refused, timeouts, 429/5xx on
      // the request); anything else here is a loader bug, and retrying rather than dropping keeps
      // the data until it is fixed.
      if (Thread.currentThread().isInterrupted() || isInterruption(e)) {
        throw new InterruptedException("bulk write interrupted");
      }
      metrics.bulkFailed();
      // While Elasticsearch is down this repeats for as long as it is down: say it once in a while.
      if (attempt % 20 == 0) {
        log.warn("bulk request of {} documents failed (attempt {}), will retry: {}", docs.size(),
            attempt + 1, e.toString());
      } else {
        log.debug("bulk request of {} documents failed (attempt {}): {}", docs.size(), attempt + 1, e.toString());
      }
      String error = e.toString();
      List<ItemResult> all = new ArrayList<>(docs.size());
      for (int i = 0; i < docs.size(); i++) {
        all.add(new ItemResult(503, error));
      }
      return all;
    }
  }

  /**
   * Whether the request failed because this thread was interrupted (the batch was abandoned); the
   * HTTP client may report that wrapped, and with the thread's flag already cleared.
   */
  private static boolean isInterruption(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InterruptedException
          || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The dead letter that replaces a refused document, or null when there is none to try: the
   * document is already a minimal dead letter, or no dead letter could be made of it.
   */
  private LoaderDocument replacement(LoaderDocument doc, ItemResult result) {
    String error = "Elasticsearch refused the document for index " + doc.index() + " (status "
        + result.status() + "): " + result.error();
    try {
      switch (doc.kind()) {
        case EVENT -> {
          log.warn("event refused by Elasticsearch, dead-lettering as INDEX_REJECTED: {} ({})",
              doc.origin(), result.error());
          return mapper.loaderDeadLetter(ReasonCode.INDEX_REJECTED, error, doc.origin(), doc.original());
        }
        case DEAD_LETTER -> {
          log.warn("dead letter refused by Elasticsearch, storing a minimal one: {} ({})",
              doc.origin(), result.error());
          return mapper.fallbackDeadLetter(doc, error);
        }
        default -> {
          // A fallback holds only fields the loader writes itself; a refusal means the index is
          // broken (e.g. closed), which only a fix on the cluster side can cure.
          return null;
        }
      }
    } catch (RuntimeException e) {
      log.error("no dead letter could be made of {}: {}", doc.origin(), e.toString());
      return null;
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
