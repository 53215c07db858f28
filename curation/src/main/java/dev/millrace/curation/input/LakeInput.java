package dev.millrace.curation.input;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.SupportsPrefixOperations;

/**
 * The batch loader's output as the curation job sees it: hour manifests
 * ({@code <prefix>/_markers/dt=<ds>/hour=<HH>/_SUCCESS}, JSON {@code {"hour":..., "files":[keys]}})
 * read through an Iceberg {@link FileIO}, so the warehouse and the lake share one S3 client and
 * no Hadoop file system is needed.
 *
 * <p>What a run reads is the manifests' file lists, never a listing. The day's event-type
 * directories are listed only to report files that no manifest names.
 */
public final class LakeInput {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final FileIO io;
  private final String bucketUri;
  private final String prefix;

  /**
   * @param bucketUri the batch loader's bucket, e.g. {@code s3://events}
   * @param prefix the batch loader's prefix in it, e.g. {@code events}; empty for none
   */
  public LakeInput(FileIO io, String bucketUri, String prefix) {
    this.io = io;
    this.bucketUri = bucketUri;
    this.prefix = prefix;
  }

  /** The plan for {@code ds}: reads its 24 hour manifests and lists its directories for the report. */
  public InputPlan plan(LocalDate ds) {
    List<InputPlan.MarkedHour> hours = new ArrayList<>();
    List<Integer> missing = new ArrayList<>();
    Set<String> eventTypes = new TreeSet<>();
    for (int hour = 0; hour < 24; hour++) {
      String manifest = uri(markerKey(ds, hour));
      byte[] bytes = read(io.newInputFile(manifest));
      if (bytes == null) {
        missing.add(hour);
        continue;
      }
      List<String> files = new ArrayList<>();
      try {
        for (JsonNode key : JSON.readTree(bytes).path("files")) {
          files.add(uri(key.asText()));
          String type = eventType(key.asText());
          if (type != null) {
            eventTypes.add(type);
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("the manifest " + manifest + " is not valid JSON: " + e.getMessage(), e);
      }
      hours.add(new InputPlan.MarkedHour(hour, manifest, sha256(bytes), List.copyOf(files)));
    }
    Set<String> named = new LinkedHashSet<>();
    hours.forEach(h -> named.addAll(h.files()));
    List<String> unlisted = new ArrayList<>();
    if (io instanceof SupportsPrefixOperations listing) {
      for (String type : eventTypes) {
        for (FileInfo f : list(listing, uri(prefixed("event_type=" + type + "/dt=" + ds + "/")))) {
          if (f.location().endsWith(".parquet") && !named.contains(normalise(f.location()))) {
            unlisted.add(f.location());
          }
        }
      }
    }
    return new InputPlan(ds, List.copyOf(hours), List.copyOf(missing), List.copyOf(unlisted));
  }

  /** A prefix that does not exist is empty (a local folder's listing would throw). */
  private static Iterable<FileInfo> list(SupportsPrefixOperations listing, String prefix) {
    try {
      List<FileInfo> all = new ArrayList<>();
      listing.listPrefix(prefix).forEach(all::add);
      return all;
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof java.io.FileNotFoundException) {
        return List.of();
      }
      throw e;
    }
  }

  /** Hadoop's local file system answers {@code file:/x} for {@code file:///x}. */
  private String normalise(String location) {
    if (location.startsWith("file:/") && !location.startsWith("file://") && bucketUri.startsWith("file://")) {
      return "file://" + location.substring("file:".length());
    }
    return location;
  }

  private String markerKey(LocalDate ds, int hour) {
    return prefixed(String.format("_markers/dt=%s/hour=%02d/_SUCCESS", ds, hour));
  }

  private String prefixed(String key) {
    return prefix.isEmpty() ? key : prefix + "/" + key;
  }

  private String uri(String key) {
    return bucketUri + "/" + key;
  }

  private static String eventType(String key) {
    int at = key.indexOf("event_type=");
    if (at < 0) {
      return null;
    }
    int end = key.indexOf('/', at);
    return end < 0 ? null : key.substring(at + "event_type=".length(), end);
  }

  private static byte[] read(InputFile file) {
    try (InputStream in = file.newStream()) {
      return in.readAllBytes();
    } catch (NotFoundException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file.location(), e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
