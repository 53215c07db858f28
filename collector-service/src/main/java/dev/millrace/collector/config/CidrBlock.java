package dev.millrace.collector.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 address block such as {@code 10.0.0.0/8}; a bare address is a block of one. */
public record CidrBlock(byte[] network, int prefixLength) {

  // Only literals reach InetAddress.getByName, so it never does a DNS lookup.
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

  public static CidrBlock parse(String text) {
    String t = text == null ? "" : text.trim();
    int slash = t.indexOf('/');
    String address = slash < 0 ? t : t.substring(0, slash);
    InetAddress ip = parseLiteral(address);
    if (ip == null) {
      throw new IllegalArgumentException("is not an IP address or CIDR block: '" + text + "'");
    }
    int bits = ip.getAddress().length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(t.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("has a prefix length outside 0-" + bits + ": '" + text + "'");
      }
    }
    return new CidrBlock(ip.getAddress(), prefix);
  }

  /** The address, or null when the text is not an IPv4 or IPv6 literal. */
  public static InetAddress parseLiteral(String text) {
    if (text == null || text.isEmpty() || text.length() > 45 || !IP_LITERAL.matcher(text).matches()
        || (text.indexOf(':') < 0 && text.chars().filter(c -> c == '.').count() != 3)) {
      return null;
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
  }

  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (a[full] & mask) == (network[full] & mask);
  }
}
