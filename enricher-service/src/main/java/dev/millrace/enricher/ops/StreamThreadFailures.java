package dev.millrace.enricher.ops;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failed stream thread does to the instance: it is replaced a few times, then the instance
 * stops (health DOWN) instead of failing the same way forever.
 *
 * <p>Nothing a record causes reaches this handler: the processor dead-letters such records. What
 * does is Kafka's, the state store's or the machine's (a commit that timed out, a pending-store
 * changelog this version cannot read, an error). A replaced thread resumes from the last commit
 * under exactly-once, so a passing fault costs nothing; but a fault that stays (a broken store, a
 * bug that is not in any one record) would fail every new thread at once, and replacing it in a
 * loop is a busy instance that does no work and looks alive. So at most {@link #MAX_REPLACEMENTS}
 * threads are replaced in any {@link #WINDOW}; the next failure within it, or any {@link
 * VirtualMachineError}, shuts this client down ({@code SHUTDOWN_CLIENT}: Kafka Streams goes to
 * ERROR, readiness and {@code /actuator/health} go DOWN with the failure in their details, and the
 * partitions move to the other instances). The rest of the application is not told to stop
 * ({@code SHUTDOWN_APPLICATION}): a fault of this machine's disk should not stop healthy ones.
 */
public final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {

  /** Threads replaced at most in {@link #WINDOW}. */
  public static final int MAX_REPLACEMENTS = 3;
  public static final Duration WINDOW = Duration.ofMinutes(10);

  private static final Logger log = LoggerFactory.getLogger(StreamThreadFailures.class);

  private final LongSupplier clock;
  private final ArrayDeque<Long> replacedAt = new ArrayDeque<>();
  private volatile Throwable fatal;

  public StreamThreadFailures() {
    this(System::currentTimeMillis);
  }

  public StreamThreadFailures(LongSupplier clock) {
    this.clock = clock;
  }

  @Override
  public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
    long now = clock.getAsLong();
    while (!replacedAt.isEmpty() && replacedAt.peekFirst() <= now - WINDOW.toMillis()) {
      replacedAt.pollFirst();
    }
    if (!(rootCause(exception) instanceof VirtualMachineError) && replacedAt.size() < MAX_REPLACEMENTS) {
      replacedAt.addLast(now);
      log.error("stream thread failed; replacing it ({} of at most {} in {})", replacedAt.size(), MAX_REPLACEMENTS,
          WINDOW, exception);
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    }
    fatal = exception;
    log.error("stream thread failed again ({} threads replaced in the last {}); stopping this instance's"
        + " Kafka Streams: health is DOWN until it is restarted", replacedAt.size(), WINDOW, exception);
    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
  }

  /** The failure that stopped the client, or null while it has not. */
  public Throwable fatal() {
    return fatal;
  }

  /** The failure as health details may show it: its class and message, and its root cause's. */
  public static String describe(Throwable t) {
    Throwable root = rootCause(t);
    String text = t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    if (root != t) {
      text += " (caused by " + root.getClass().getName() + (root.getMessage() == null ? "" : ": " + root.getMessage()) + ")";
    }
    return text.length() > 1000 ? text.substring(0, 1000) + "..." : text;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable root = t;
    for (int i = 0; i < 20 && root.getCause() != null && root.getCause() != root; i++) {
      root = root.getCause();
    }
    return root;
  }
}
