package dev.millrace.collector.compat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Event ids for trackers whose message ids are not UUIDs. A tracker's id is kept when it already is
 * a canonical UUID; any other id becomes a name-based UUID (RFC 9562 version 5, SHA-1) of the
 * protocol and the id, in Millrace's own namespace. The derivation is a pure function of what the
 * tracker sent, so a message the SDK retries keeps its event id and is deduplicated downstream like
 * any resent event.
 */
public final class TrackerIds {

  /** Millrace's namespace for name-based event ids. Never change it: ids derived before would change. */
  public static final UUID NAMESPACE = UUID.fromString("6f1c0c2e-5b0a-4f52-9a7e-3c9d2b8e41d7");

  private static final Pattern CANONICAL = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private TrackerIds() {}

  /**
   * The event id for a tracker's message id: the id itself when it is a canonical UUID, else the
   * version 5 UUID of {@code protocol + ":" + id}.
   *
   * @param protocol the tracker protocol, e.g. "segment"; part of the name so that two protocols'
   *     equal ids stay apart
   */
  public static String eventId(String protocol, String trackerId) {
    if (CANONICAL.matcher(trackerId).matches()) {
      return trackerId;
    }
    return nameBased(NAMESPACE, protocol + ":" + trackerId).toString();
  }

  /** The event id of a message that carries no id: derived from its exact bytes. */
  public static String eventId(String protocol, byte[] message, int from, int to) {
    MessageDigest sha1 = sha1();
    sha1.update(bytes(NAMESPACE));
    sha1.update((protocol + ":bytes:").getBytes(StandardCharsets.UTF_8));
    sha1.update(message, from, to - from);
    return fromDigest(sha1.digest()).toString();
  }

  /** RFC 9562 version 5: SHA-1 of the namespace's 16 bytes and the name's UTF-8. */
  static UUID nameBased(UUID namespace, String name) {
    MessageDigest sha1 = sha1();
    sha1.update(bytes(namespace));
    sha1.update(name.getBytes(StandardCharsets.UTF_8));
    return fromDigest(sha1.digest());
  }

  private static UUID fromDigest(byte[] hash) {
    hash[6] = (byte) ((hash[6] & 0x0f) | 0x50); // version 5
    hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // IETF variant
    ByteBuffer b = ByteBuffer.wrap(hash, 0, 16);
    return new UUID(b.getLong(), b.getLong());
  }

  private static byte[] bytes(UUID uuid) {
    return ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
        .putLong(uuid.getLeastSignificantBits()).array();
  }

  private static MessageDigest sha1() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-1", e);
    }
  }
}
