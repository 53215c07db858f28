package dev.millrace.enrichment.url;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Lenient reading of the URLs producers send. Page URLs and referrers come from browsers and
 * scripts and are often not valid URIs (spaces, bad percent escapes, missing scheme), so this does
 * not use {@link java.net.URI}, which rejects them whole: it takes what it can and ignores the rest.
 */
public final class Urls {

  private Urls() {}

  /**
   * The first value of each query parameter whose lower-cased name is in {@code wanted}, decoded
   * (a bad percent escape leaves the raw text). Parameters after {@code #} count too, for the
   * single-page apps that put their query in the fragment; the real query string wins.
   */
  public static Map<String, String> queryParameters(String url, Set<String> wanted) {
    Map<String, String> found = new HashMap<>();
    int question = url.indexOf('?');
    int hash = url.indexOf('#');
    if (question >= 0 && (hash < 0 || question < hash)) {
      collect(url, question + 1, hash < 0 ? url.length() : hash, wanted, found);
    }
    if (hash >= 0) {
      int fragmentQuestion = url.indexOf('?', hash);
      if (fragmentQuestion >= 0) {
        collect(url, fragmentQuestion + 1, url.length(), wanted, found);
      }
    }
    return found;
  }

  private static void collect(String url, int from, int to, Set<String> wanted,
                              Map<String, String> found) {
    int start = from;
    while (start < to) {
      int end = url.indexOf('&', start);
      if (end < 0 || end > to) {
        end = to;
      }
      int eq = url.indexOf('=', start);
      if (eq > start && eq < end) {
        String name = decode(url.substring(start, eq)).trim().toLowerCase(Locale.ROOT);
        if (wanted.contains(name) && !found.containsKey(name)) {
          String value = decode(url.substring(eq + 1, end)).trim();
          if (!value.isEmpty()) {
            found.put(name, value);
          }
        }
      }
      start = end + 1;
    }
  }

  private static String decode(String text) {
    if (text.indexOf('%') < 0 && text.indexOf('+') < 0) {
      return text;
    }
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return text; // a bad escape such as "%zz": keep what the producer sent
    }
  }

  /**
   * The host of a URL, lower case, without port, user info or trailing dot; empty when there is
   * none. Accepts any scheme ({@code android-app://com.google.android.gm} has the app id as host)
   * and scheme-relative {@code //host/path}.
   */
  public static String host(String url) {
    String text = url.trim();
    int start;
    int scheme = text.indexOf("://");
    if (scheme > 0 && isScheme(text, scheme)) {
      start = scheme + 3;
    } else if (text.startsWith("//")) {
      start = 2;
    } else {
      return "";
    }
    int end = start;
    while (end < text.length() && "/?#\\".indexOf(text.charAt(end)) < 0) {
      end++;
    }
    String authority = text.substring(start, end);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      authority = authority.substring(at + 1);
    }
    String host;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      host = close < 0 ? "" : authority.substring(0, close + 1);
    } else {
      int colon = authority.indexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
    }
    while (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    host = host.toLowerCase(Locale.ROOT);
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c <= ' ' || c == '%' || c == '"' || c == '<' || c == '>') {
        return ""; // not a host a browser would have sent
      }
    }
    return host;
  }

  private static boolean isScheme(String text, int end) {
    if (!Character.isLetter(text.charAt(0))) {
      return false;
    }
    for (int i = 1; i < end; i++) {
      char c = text.charAt(i);
      if (!Character.isLetterOrDigit(c) && c != '+' && c != '-' && c != '.') {
        return false;
      }
    }
    return true;
  }
}
