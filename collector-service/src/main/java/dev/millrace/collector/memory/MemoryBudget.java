package dev.millrace.collector.memory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The one memory budget for everything the collector holds on behalf of requests: bodies as read,
 * decompressed bodies, gRPC messages, decoded events, Kafka records until the broker acknowledged
 * them, and a stream's per-event answers. Bytes are reserved <em>before</em> they are held; a
 * reservation that does not fit is refused at once (the caller answers 503 / RESOURCE_EXHAUSTED)
 * rather than waited for, so a flood of large requests becomes refusals instead of a full heap.
 *
 * <p>It counts bytes of data, not the JVM's per-object overhead: see the collector README for how
 * to size the heap around it.
 */
public final class MemoryBudget {

  private final long limit;
  private final AtomicLong reserved = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();

  public MemoryBudget(long limitBytes) {
    if (limitBytes <= 0) {
      throw new IllegalArgumentException("a memory budget must be positive: " + limitBytes);
    }
    this.limit = limitBytes;
  }

  /** A new, empty reservation; close it when what it covers is no longer held. */
  public Lease lease() {
    return new Lease(this);
  }

  public long limitBytes() {
    return limit;
  }

  /** Bytes reserved now. */
  public long reservedBytes() {
    return reserved.get();
  }

  /** The most bytes ever reserved at once since start (never more than the limit). */
  public long peakBytes() {
    return peak.get();
  }

  boolean tryAcquire(long bytes) {
    if (bytes <= 0) {
      return true;
    }
    while (true) {
      long now = reserved.get();
      long next = now + bytes;
      if (next > limit || next < 0) {
        return false;
      }
      if (reserved.compareAndSet(now, next)) {
        peak.accumulateAndGet(next, Math::max);
        return true;
      }
    }
  }

  void release(long bytes) {
    if (bytes > 0) {
      long after = reserved.addAndGet(-bytes);
      if (after < 0) {
        // A bookkeeping bug, not a client's doing: say so loudly rather than drift.
        reserved.addAndGet(bytes);
        throw new IllegalStateException("released " + bytes + " bytes more than were reserved");
      }
    }
  }

  /**
   * What one request (or one part of a gRPC call) holds. Thread-safe: a reservation is made on a
   * request thread and may be released on a Kafka callback thread. After {@link #close()} nothing
   * more can be reserved and releases are no-ops, so every error path can simply close it.
   */
  public static final class Lease implements AutoCloseable {

    private final MemoryBudget budget;
    private long held;
    private boolean closed;

    private Lease(MemoryBudget budget) {
      this.budget = budget;
    }

    /** Reserves more, or returns false (reserving nothing) when the budget cannot take it. */
    public synchronized boolean tryReserve(long bytes) {
      if (closed || !budget.tryAcquire(bytes)) {
        return false;
      }
      held += Math.max(0, bytes);
      return true;
    }

    /** Reserves more, or throws {@link OverBudgetException} (reserving nothing). */
    public void reserve(long bytes) {
      if (!tryReserve(bytes)) {
        throw new OverBudgetException(bytes);
      }
    }

    /** Gives back part of what this lease holds (at most all of it). */
    public synchronized void release(long bytes) {
      long n = Math.min(Math.max(0, bytes), held);
      held -= n;
      budget.release(n);
    }

    public synchronized long heldBytes() {
      return held;
    }

    public synchronized boolean isClosed() {
      return closed;
    }

    /** Gives back everything this lease holds; idempotent. */
    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        budget.release(held);
        held = 0;
      }
    }
  }
}
