package dev.millrace.enrichment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiFunction;

/**
 * A data file that ships in the jar and that users may replace with their own (the bot model, the
 * referrer list), so both read and fail the same way: a missing bundled resource is our bug, an
 * unreadable user file is a configuration error that names the file.
 */
public final class ReplaceableData {

  /**
   * Parses the user's file at {@code path}, or the bundled resource when {@code path} is empty.
   *
   * @param what what the file is, for messages, e.g. "bot model"
   * @param parse takes the bytes and the source's name (the path or the resource name)
   */
  public static <T> T load(String path, String bundled, String what, BiFunction<byte[], String, T> parse) {
    if (path == null || path.isBlank()) {
      try (InputStream in = ReplaceableData.class.getClassLoader().getResourceAsStream(bundled)) {
        if (in == null) {
          throw new IllegalStateException("the bundled " + bundled + " is missing from the class path");
        }
        return parse.apply(in.readAllBytes(), bundled);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the bundled " + bundled, e);
      }
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(Path.of(path));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the " + what + " " + path + ": " + e, e);
    }
    return parse.apply(bytes, path);
  }

  private ReplaceableData() {}
}
