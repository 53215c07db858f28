package dev.millrace.collector.ingest;

import dev.millrace.proto.v1.Transport;
import java.time.Instant;

/** What the collector knows about a request, stamped on each of its events. */
public record RequestInfo(String requestId, Instant receivedAt, String clientIp, String writeKeyId,
                          Transport transport) {}
