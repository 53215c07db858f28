package dev.millrace.collector.ingest;

import dev.millrace.collector.memory.MemoryBudget;

/**
 * What one gRPC call holds in the memory budget, apart from its parts' Kafka records (each part has
 * a lease of its own, released when the broker acknowledged it, even after the call ended):
 *
 * <ul>
 *   <li>the next message, reserved at {@code grpc.max-inbound-message-bytes} <em>before</em> grpc is
 *       asked for it: grpc-java assembles a whole message before the service sees it, and reads
 *       nothing of it past the HTTP/2 window until asked ({@link #reserveNextMessage()});
 *   <li>the message being handled, at twice its size once it arrived: the parsed message and the
 *       copies of its rejected events kept for their dead letters ({@link #messageArrived(long)});
 *   <li>the per-event answers, until the call is answered ({@link #answers()}).
 * </ul>
 *
 * {@link GrpcMemory} creates one per call and closes it when the call ends however it ends (answered,
 * failed, cancelled), so nothing the call reserved outlives it. Thread-safe.
 */
final class CallMemory {

  private final MemoryBudget budget;
  private final long maxMessageBytes;
  private final MemoryBudget.Lease lease;
  private long requested;
  private long current;

  CallMemory(MemoryBudget budget, long maxMessageBytes) {
    this.budget = budget;
    this.maxMessageBytes = maxMessageBytes;
    this.lease = budget.lease();
  }

  /** Before asking grpc for a message; false when the budget cannot take one (or the call ended). */
  synchronized boolean reserveNextMessage() {
    if (requested > 0) {
      return true;
    }
    if (!lease.tryReserve(maxMessageBytes)) {
      return false;
    }
    requested = maxMessageBytes;
    return true;
  }

  /**
   * The message asked for arrived: its share becomes twice its size. False (nothing changed) when
   * that is more than was reserved for it and the budget cannot take the difference.
   */
  synchronized boolean messageArrived(long serializedBytes) {
    long want = 2 * serializedBytes;
    long have = requested;
    if (want > have && !lease.tryReserve(want - have)) {
      return false;
    }
    if (want < have) {
      lease.release(have - want);
    }
    requested = 0;
    current += want;
    return true;
  }

  /** The message is handled: its records have their own lease now, its decoded events are garbage. */
  synchronized void messageDone() {
    lease.release(current);
    current = 0;
  }

  /** The client half-closed: a message asked for will not come. */
  synchronized void noMoreMessages() {
    lease.release(requested);
    requested = 0;
  }

  /** Where the call's per-event answers are reserved; released when the call ends. */
  MemoryBudget.Lease answers() {
    return lease;
  }

  /** A lease for one part's records, released when the broker acknowledged them. */
  MemoryBudget.Lease newPart() {
    return budget.lease();
  }

  boolean closed() {
    return lease.isClosed();
  }

  /** The call ended: gives back the message shares and the answers. */
  void close() {
    lease.close();
  }
}
