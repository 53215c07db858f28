package dev.millrace.collector.ingest;

import dev.millrace.collector.config.CidrBlock;
import java.net.InetAddress;
import java.util.List;

/**
 * The client's IP: the peer address, unless the peer is a trusted proxy, in which case
 * {@code X-Forwarded-For} is read from the right, skipping trusted proxies, and the first address
 * that is not one is the client. Entries left of an untrusted hop could be forged by the client, so
 * they are never believed.
 */
public final class ClientIps {

  private final List<CidrBlock> trusted;

  public ClientIps(List<String> trustedProxies) {
    this.trusted = trustedProxies.stream().map(CidrBlock::parse).toList();
  }

  /**
   * @param peer the address of the TCP peer, as text
   * @param forwardedFor the X-Forwarded-For value(s) joined by commas, or null
   */
  public String resolve(String peer, String forwardedFor) {
    if (forwardedFor == null || forwardedFor.isBlank() || !isTrusted(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    String candidate = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (CidrBlock.parseLiteral(hop) == null) {
        return candidate; // garbage in the header: stop at the last hop we could vouch for
      }
      candidate = hop;
      if (!isTrusted(hop)) {
        return hop;
      }
    }
    return candidate;
  }

  private boolean isTrusted(String address) {
    if (trusted.isEmpty() || address == null) {
      return false;
    }
    InetAddress ip = CidrBlock.parseLiteral(address);
    if (ip == null) {
      return false;
    }
    for (CidrBlock block : trusted) {
      if (block.contains(ip)) {
        return true;
      }
    }
    return false;
  }
}
