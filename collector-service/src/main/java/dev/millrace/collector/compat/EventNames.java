package dev.millrace.collector.compat;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Turns a tracker's free-form event name ("Order Completed", "orderCompleted", "Café Visited") into
 * a Millrace event type: lower snake case, a letter first, letters, digits and '_', at most 128
 * characters ({@code order_completed}, {@code order_completed}, {@code cafe_visited}).
 */
public final class EventNames {

  /** The longest event type the collector accepts. */
  public static final int MAX_LENGTH = 128;

  private EventNames() {}

  /**
   * The normalised name, or "" when nothing of it is left (no letter or digit at all). Accents are
   * stripped, a lower-to-upper case change starts a new word, every run of other characters becomes
   * one '_', and a name starting with a digit gets the prefix {@code e_}.
   */
  public static String normalise(String name) {
    String plain = Normalizer.normalize(name, Normalizer.Form.NFKD);
    StringBuilder out = new StringBuilder(Math.min(plain.length(), MAX_LENGTH + 2));
    boolean gap = false;
    char previous = 0;
    for (int i = 0; i < plain.length() && out.length() <= MAX_LENGTH + 2; i++) {
      char c = plain.charAt(i);
      boolean lower = c >= 'a' && c <= 'z';
      boolean upper = c >= 'A' && c <= 'Z';
      boolean digit = c >= '0' && c <= '9';
      if (Character.getType(c) == Character.NON_SPACING_MARK) {
        continue; // the accent of a decomposed letter
      }
      if (!lower && !upper && !digit) {
        gap = true;
        previous = c;
        continue;
      }
      boolean camel = upper && previous >= 'a' && previous <= 'z';
      if ((gap || camel) && !out.isEmpty()) {
        out.append('_');
      }
      gap = false;
      out.append(upper ? (char) (c + ('a' - 'A')) : c);
      previous = c;
    }
    if (out.isEmpty()) {
      return "";
    }
    if (out.charAt(0) >= '0' && out.charAt(0) <= '9') {
      out.insert(0, "e_");
    }
    String type = out.length() > MAX_LENGTH ? out.substring(0, MAX_LENGTH) : out.toString();
    return type.endsWith("_") ? type.substring(0, type.length() - 1) : type.toLowerCase(Locale.ROOT);
  }
}
