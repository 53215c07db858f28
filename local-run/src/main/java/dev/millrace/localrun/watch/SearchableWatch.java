package dev.millrace.localrun.watch;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Notes when each event first became searchable, by polling the events index for document ids
 * (the id is the event id). Event-to-searchable latency is then {@code firstSeen - sentAt}, measured
 * as a user sees it, with the poll interval as its resolution.
 */
public final class SearchableWatch implements AutoCloseable {

  public static final Duration POLL = Duration.ofMillis(250);

  private final ElasticsearchReader es;
  private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  public SearchableWatch(String elasticsearchUrl) {
    this.es = new ElasticsearchReader(elasticsearchUrl);
    this.thread = new Thread(this::poll, "millrace-searchable-watch");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void poll() {
    while (running) {
      try {
        Instant now = Instant.now();
        for (String id : es.ids("millrace-events*")) {
          firstSeen.putIfAbsent(id, now);
        }
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // Before the first event there is no index yet; keep polling.
        try {
          Thread.sleep(POLL.toMillis());
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** When the id was first seen in a search, or null. */
  public Instant firstSeen(String eventId) {
    return firstSeen.get(eventId);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
