package dev.millrace.collector.ingest;

import dev.millrace.proto.v1.Transport;
import java.time.Instant;

/**
 * What the collector knows about a request, stamped on each of its events.
 *
 * @param replayId the id of the {@code millrace replay} run that re-submitted the request's events
 *     ({@code X-Millrace-Replay-Id}); empty for events sent once
 */
public record RequestInfo(String requestId, Instant receivedAt, String clientIp, String writeKeyId,
                          Transport transport, String replayId) {

  public RequestInfo {
    replayId = replayId == null ? "" : replayId;
  }

  /** A request that is not a replay. */
  public RequestInfo(String requestId, Instant receivedAt, String clientIp, String writeKeyId, Transport transport) {
    this(requestId, receivedAt, clientIp, writeKeyId, transport, "");
  }
}
