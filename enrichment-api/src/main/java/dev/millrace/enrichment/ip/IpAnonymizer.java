package dev.millrace.enrichment.ip;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Zeroes the host part of an IP address: IPv4 keeps its first N octets, IPv6 its first N bits.
 *
 * <p>Parsing uses Guava's {@link InetAddresses#forString}, which reads literals only;
 * {@link InetAddress#getByName} would send a producer-supplied host name to DNS. An IPv4-mapped IPv6
 * address ({@code ::ffff:203.0.113.7}) is an IPv4 client and is anonymised and written as IPv4.
 */
public final class IpAnonymizer {

  private final int ipv4OctetsKept;
  private final int ipv6BitsKept;

  public IpAnonymizer(int ipv4OctetsKept, int ipv6BitsKept) {
    this.ipv4OctetsKept = ipv4OctetsKept;
    this.ipv6BitsKept = ipv6BitsKept;
  }

  /**
   * The anonymised address in canonical text (RFC 5952 for IPv6), or empty when {@code text} is
   * not an IP literal. Surrounding brackets and a zone id ({@code fe80::1%eth0}) are accepted; the
   * zone is not kept.
   */
  public Optional<String> anonymize(String text) {
    String literal = text.trim();
    if (literal.startsWith("[") && literal.endsWith("]")) {
      literal = literal.substring(1, literal.length() - 1);
    }
    int zone = literal.indexOf('%');
    if (zone >= 0) {
      literal = literal.substring(0, zone);
    }
    InetAddress address;
    try {
      address = InetAddresses.forString(literal);
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // rare in real traffic; checking first would parse every IP twice
    }
    byte[] bytes = address.getAddress();
    int bitsKept = address instanceof Inet4Address ? ipv4OctetsKept * 8 : ipv6BitsKept;
    for (int i = 0; i < bytes.length; i++) {
      int bitsInByte = Math.max(0, Math.min(8, bitsKept - i * 8));
      bytes[i] &= (byte) (0xFF << (8 - bitsInByte));
    }
    try {
      // From raw bytes: no name, so no lookup.
      return Optional.of(InetAddresses.toAddrString(InetAddress.getByAddress(bytes)));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("an address of " + bytes.length + " bytes", e);
    }
  }
}
