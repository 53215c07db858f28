package dev.millrace.enrichment.pii;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The subset of JSONPath that names fields to pseudonymise: {@code $.user.email},
 * {@code $.items[*].email}, {@code $.addresses[0].phone}, {@code $['odd key'].value}.
 *
 * <p>Why not Jayway JsonPath: it has no Jackson 3 tree provider, and a path here only ever names
 * concrete fields (no filters or recursive descent), so replacing them in place on the tree we
 * already parsed is a few dozen lines.
 */
public final class JsonPath {

  /** Called for each value a path reaches; returns the replacement, or the value to keep it. */
  @FunctionalInterface
  public interface Replacer {
    JsonNode replace(JsonNode value);
  }

  private sealed interface Segment permits Field, Index, Wildcard {}

  private record Field(String name) implements Segment {}

  private record Index(int index) implements Segment {}

  private record Wildcard() implements Segment {}

  private final String text;
  private final List<Segment> segments;
  // The last field name as it must appear in JSON text written without escapes, quotes included;
  // null when the path names no field or the name would need escaping.
  private final String quotedName;

  private JsonPath(String text, List<Segment> segments) {
    this.text = text;
    this.segments = segments;
    String last = null;
    for (Segment segment : segments) {
      if (segment instanceof Field field) {
        last = field.name();
      }
    }
    boolean plain = last != null && last.chars().allMatch(c -> c >= 0x20 && c != '"' && c != '\\');
    this.quotedName = plain ? '"' + last + '"' : null;
  }

  /** Parses a path; throws {@link IllegalArgumentException} saying what is wrong and where. */
  public static JsonPath compile(String text) {
    if (text == null || !text.startsWith("$")) {
      throw new IllegalArgumentException("must start with '$'");
    }
    List<Segment> segments = new ArrayList<>();
    int i = 1;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '.') {
        int start = ++i;
        while (i < text.length() && text.charAt(i) != '.' && text.charAt(i) != '[') {
          i++;
        }
        String name = text.substring(start, i);
        if (name.isEmpty()) {
          throw new IllegalArgumentException("empty field name at position " + start);
        }
        segments.add(name.equals("*") ? new Wildcard() : new Field(name));
      } else if (c == '[') {
        int close = text.indexOf(']', i);
        if (close < 0) {
          throw new IllegalArgumentException("'[' at position " + i + " is not closed");
        }
        String inner = text.substring(i + 1, close).trim();
        if (inner.equals("*")) {
          segments.add(new Wildcard());
        } else if (inner.length() >= 2 && (inner.startsWith("'") && inner.endsWith("'")
            || inner.startsWith("\"") && inner.endsWith("\""))) {
          segments.add(new Field(inner.substring(1, inner.length() - 1)));
        } else {
          try {
            int index = Integer.parseInt(inner);
            if (index < 0) {
              throw new NumberFormatException();
            }
            segments.add(new Index(index));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'[" + inner + "]' at position " + i
                + " is not an index, '*' or a quoted name");
          }
        }
        i = close + 1;
      } else {
        throw new IllegalArgumentException("unexpected '" + c + "' at position " + i);
      }
    }
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("names no field");
    }
    return new JsonPath(text, List.copyOf(segments));
  }

  /**
   * Whether the path may reach a value in the JSON text {@code json}. False only when it certainly
   * cannot: the text has no backslash (so no key is written with escapes) and never contains the
   * path's last field name as a quoted string, which every object key the path passes through
   * would be. A cheap test that spares parsing payloads that hold none of the configured fields.
   */
  public boolean mayReach(String json) {
    return quotedName == null || json.indexOf('\\') >= 0 || json.contains(quotedName);
  }

  /**
   * Replaces every value the path reaches in {@code root}. Parts of the path that are absent, or
   * that meet a value of another kind (a field name on an array), reach nothing: that is not an
   * error, the event simply has no such field.
   *
   * @return how many values the replacer changed (returned another node for)
   */
  public int replace(JsonNode root, Replacer replacer) {
    return visit(root, 0, replacer);
  }

  private int visit(JsonNode node, int depth, Replacer replacer) {
    Segment segment = segments.get(depth);
    boolean last = depth == segments.size() - 1;
    int count = 0;
    if (segment instanceof Field field) {
      if (node instanceof ObjectNode object && object.has(field.name())) {
        JsonNode child = object.get(field.name());
        if (last) {
          count += set(object, field.name(), child, replacer);
        } else {
          count += visit(child, depth + 1, replacer);
        }
      }
    } else if (segment instanceof Index index) {
      if (node instanceof ArrayNode array && index.index() < array.size()) {
        count += visitElement(array, index.index(), depth, last, replacer);
      }
    } else {
      if (node instanceof ArrayNode array) {
        for (int i = 0; i < array.size(); i++) {
          count += visitElement(array, i, depth, last, replacer);
        }
      } else if (node instanceof ObjectNode object) {
        for (String name : List.copyOf(object.propertyNames())) {
          JsonNode child = object.get(name);
          if (last) {
            count += set(object, name, child, replacer);
          } else {
            count += visit(child, depth + 1, replacer);
          }
        }
      }
    }
    return count;
  }

  private int visitElement(ArrayNode array, int i, int depth, boolean last, Replacer replacer) {
    if (last) {
      JsonNode value = array.get(i);
      JsonNode replacement = replacer.replace(value);
      if (replacement == value) {
        return 0;
      }
      array.set(i, replacement);
      return 1;
    }
    return visit(array.get(i), depth + 1, replacer);
  }

  private static int set(ObjectNode object, String name, JsonNode value, Replacer replacer) {
    JsonNode replacement = replacer.replace(value);
    if (replacement == value) {
      return 0;
    }
    object.set(name, replacement);
    return 1;
  }

  @Override
  public String toString() {
    return text;
  }
}
