package dev.millrace.replay;

import java.io.IOException;

/** The HTTP edge to the collector (faked in unit tests; {@link HttpCollectorClient} in use). */
public interface CollectorClient {

  /** The collector's answer: status and body text. */
  record Answer(int status, String body) {}

  /** POSTs {@code body} (JSON) to {@code path} with the write key and {@code X-Millrace-Replay-Id}. */
  Answer post(String path, byte[] body, String replayId) throws IOException, InterruptedException;
}
