package dev.millrace.collector.validate;

import dev.millrace.proto.v1.ReasonCode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Walks a JSON object token by token, without building a tree, and reports the first thing that
 * makes it ambiguous or too deep: a key given twice (parsers disagree on which value wins, so the
 * enricher and a warehouse could read different data) or nesting past the limit.
 */
public final class JsonShape {

  private JsonShape() {}

  /**
   * Consumes the object whose START_OBJECT is the parser's current token, leaving the parser on
   * the matching END_OBJECT. Iterative, so hostile nesting cannot overflow the stack.
   *
   * @param pointer JSON Pointer of the object, prefixed to every reported field
   * @return the first problem, or null
   */
  public static Rejection walkObject(JsonParser parser, int maxDepth, String pointer) {
    Rejection first = null;
    Deque<Set<String>> keys = new ArrayDeque<>();
    Deque<String> path = new ArrayDeque<>();
    keys.push(new HashSet<>());
    path.push(pointer);
    int depth = 1;
    while (depth > 0) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        return first; // unreachable for a well-formed document; the parser throws first
      }
      switch (token) {
        case PROPERTY_NAME -> {
          String name = parser.currentName();
          Set<String> seen = keys.peek();
          if (seen != null && !seen.add(name) && first == null) {
            first = Rejection.of(ReasonCode.DUPLICATE_KEY, path.peek() + "/" + escape(name),
                "the key '" + shorten(name) + "' appears twice in the same object");
          }
        }
        case START_OBJECT, START_ARRAY -> {
          var parent = parser.streamReadContext().getParent();
          String child = path.peek() + "/" + (parent.inArray()
              ? Integer.toString(parent.getCurrentIndex())
              : escape(parent.currentName() == null ? "" : parent.currentName()));
          if (depth + 1 > maxDepth) {
            if (first == null) {
              first = Rejection.of(ReasonCode.INVALID_FIELD, child,
                  "nested deeper than " + maxDepth + " levels");
            }
            parser.skipChildren();
          } else {
            depth++;
            path.push(child);
            keys.push(token == JsonToken.START_OBJECT ? new HashSet<>() : Set.of());
          }
        }
        case END_OBJECT, END_ARRAY -> {
          depth--;
          path.pop();
          keys.pop();
        }
        default -> {
          // scalars: nothing to check; numbers stay text, so any size is kept exactly
        }
      }
    }
    return first;
  }

  /** RFC 6901 escaping of one reference token. */
  public static String escape(String name) {
    return shorten(name).replace("~", "~0").replace("/", "~1");
  }

  /** Keeps messages bounded however long a producer's key is. */
  public static String shorten(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }
}
