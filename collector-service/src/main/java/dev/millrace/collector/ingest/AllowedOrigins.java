package dev.millrace.collector.ingest;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which browser origins may send with which write key ({@code millrace.collector.cors.allowed-origins}).
 * A preflight names no key (browsers send no credentials with it), so it is answered for an origin
 * that any key allows; the request itself must then come from an origin its own key allows.
 * Origins compare case-insensitively, without a trailing slash; {@code *} allows any.
 */
public final class AllowedOrigins {

  private static final String ANY = "*";

  private final Map<String, Set<String>> byKeyId;
  private final Set<String> anyKey = new HashSet<>();

  public AllowedOrigins(Map<String, List<String>> byKeyId) {
    this.byKeyId = byKeyId.entrySet().stream().collect(Collectors.toUnmodifiableMap(Map.Entry::getKey,
        e -> e.getValue().stream().map(AllowedOrigins::canonical).collect(Collectors.toUnmodifiableSet())));
    this.byKeyId.values().forEach(anyKey::addAll);
  }

  /** Whether a browser on {@code origin} may send with the key {@code keyId}. */
  public boolean allows(String keyId, String origin) {
    Set<String> allowed = byKeyId.get(keyId);
    return allowed != null && (allowed.contains(ANY) || allowed.contains(canonical(origin)));
  }

  /** Whether some key allows {@code origin}: what a preflight is answered by. */
  public boolean anyAllows(String origin) {
    return anyKey.contains(ANY) || anyKey.contains(canonical(origin));
  }

  private static String canonical(String origin) {
    String o = origin.trim().toLowerCase(Locale.ROOT);
    return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
  }
}
