package dev.millrace.collector.ingest;

import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.memory.OverBudgetException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a request body (or its decompressed form) into memory reserved in the budget beforehand:
 * all at once when its length is declared, chunk by chunk when it is not (chunked transfer, gzip),
 * so neither a large declared body nor a gzip bomb is held before the budget agreed to it.
 */
final class RequestBodies {

  /** Reserve-and-read step for a body of unknown length. */
  static final int CHUNK_BYTES = 64 * 1024;

  private RequestBodies() {}

  /** More bytes than the limit: a 413, not a budget matter. */
  static final class TooLargeException extends Exception {
    TooLargeException() {
      super(null, null, false, false);
    }
  }

  /**
   * Reads a body whose length is declared (and within the limit), reserving it first. On return
   * the lease holds exactly the returned array's length for it.
   *
   * @throws OverBudgetException before anything is read, when the budget cannot take the body
   */
  static byte[] readDeclared(InputStream in, int length, MemoryBudget.Lease lease) throws IOException {
    lease.reserve(length);
    byte[] body = new byte[length];
    int n = in.readNBytes(body, 0, length);
    if (n == length) {
      return body;
    }
    // Shorter than declared (the container ended the stream early): keep what came.
    lease.reserve(n);
    byte[] read = Arrays.copyOf(body, n);
    lease.release(length);
    return read;
  }

  /**
   * Reads a stream of unknown length up to {@code maxBytes}, each chunk reserved before it is
   * allocated; the chunks are then joined into one array (reserved too) and given back. On return
   * the lease holds exactly the returned array's length for it.
   *
   * @throws TooLargeException when the stream has more than {@code maxBytes}
   * @throws OverBudgetException when the budget cannot take the next chunk or the joined body
   */
  static byte[] readUpTo(InputStream in, long maxBytes, MemoryBudget.Lease lease)
      throws IOException, TooLargeException {
    List<byte[]> chunks = new ArrayList<>();
    long chunkBytes = 0;
    long total = 0;
    try {
      while (true) {
        // One byte past the limit is read to know the body is over it.
        int size = (int) Math.min(CHUNK_BYTES, maxBytes + 1 - total);
        lease.reserve(size);
        chunkBytes += size;
        byte[] chunk = new byte[size];
        int n = in.readNBytes(chunk, 0, size);
        chunks.add(chunk);
        total += n;
        if (total > maxBytes) {
          throw new TooLargeException();
        }
        if (n < size) {
          break;
        }
      }
      lease.reserve(total);
      byte[] body = new byte[(int) total];
      int at = 0;
      for (byte[] chunk : chunks) {
        int n = (int) Math.min(chunk.length, total - at);
        System.arraycopy(chunk, 0, body, at, n);
        at += n;
      }
      return body;
    } finally {
      lease.release(chunkBytes);
    }
  }
}
