package dev.millrace.collector.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The producers' write keys, held only as SHA-256 hashes: a leaked configuration does not leak a
 * key. A presented key is hashed and compared with every configured hash in constant time, so
 * neither the timing nor an early exit tells an attacker how close a guess was or which id matched.
 */
public final class WriteKeys {

  private final Map<String, byte[]> hashes = new LinkedHashMap<>();

  /** @param hashesById key id to the lower-case hex SHA-256 of the key */
  public WriteKeys(Map<String, String> hashesById) {
    hashesById.forEach((id, hex) -> hashes.put(id, HexFormat.of().parseHex(hex)));
  }

  /** The id of the key, or empty when the key is absent or unknown. Never logs the key. */
  public Optional<String> authenticate(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty()) {
      return Optional.empty();
    }
    byte[] digest = sha256(presentedKey);
    String match = null;
    for (Map.Entry<String, byte[]> entry : hashes.entrySet()) {
      if (MessageDigest.isEqual(digest, entry.getValue()) && match == null) {
        match = entry.getKey();
      }
    }
    return Optional.ofNullable(match);
  }

  /** The hex SHA-256 of a key: what goes in {@code millrace.collector.write-keys.<id>}. */
  public static String hash(String key) {
    return HexFormat.of().formatHex(sha256(key));
  }

  private static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
