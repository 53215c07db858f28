package dev.millrace.bench.baseline;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Bench data: ~1 KB records and JSON documents shaped like pipeline events. The filler is random
 * letters so the numbers do not depend on how well a codec compresses repeated text.
 */
final class Payloads {

  static final int RECORD_BYTES = 1024;

  private final Random random;

  Payloads(long seed) {
    this.random = new Random(seed);
  }

  /** A record value of exactly {@link #RECORD_BYTES} bytes. */
  byte[] record() {
    byte[] bytes = new byte[RECORD_BYTES];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) ('a' + random.nextInt(26));
    }
    return bytes;
  }

  /** A JSON event document of {@link #RECORD_BYTES} bytes (UTF-8), numbered {@code n}. */
  String document(long n) {
    String head = "{\"event_id\":\"" + new java.util.UUID(random.nextLong(), n)
        + "\",\"event_type\":\"" + (n % 4 == 0 ? "page_view" : "click")
        + "\",\"occurred_at\":\"2026-01-01T00:00:00Z\",\"app_id\":\"bench\",\"user_id\":\"u"
        + (n % 10_000) + "\",\"payload\":\"";
    String tail = "\"}";
    StringBuilder doc = new StringBuilder(RECORD_BYTES).append(head);
    int filler = RECORD_BYTES - head.getBytes(StandardCharsets.UTF_8).length - tail.length();
    for (int i = 0; i < filler; i++) {
      doc.append((char) ('a' + random.nextInt(26)));
    }
    return doc.append(tail).toString();
  }
}
