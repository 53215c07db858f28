package dev.millrace.batch.store;

import dev.millrace.batch.partition.Destination;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of everything the loader writes under the table prefix.
 *
 * <ul>
 *   <li>Data: {@code <prefix>/event_type=<t>/dt=<d>/hour=<HH>/<topic>-p<partition>-o<first>-<last>.parquet},
 *       offsets zero-padded to 19 digits so a directory lists in offset order.</li>
 *   <li>Receipt: {@code <prefix>/_offsets/<topic>/p<partition>/<last>-<first>}, whose content is the data
 *       key. Written <em>before</em> the data; a receipt counts only if its data object exists. It
 *       lets recovery find a partition's recent files without listing every hour of the table.</li>
 *   <li>Watermark: {@code <prefix>/_watermarks/<topic>/p<partition>}; markers under
 *       {@code <prefix>/_markers/}. Names starting with {@code _} are hidden from Trino and Hive.</li>
 * </ul>
 */
public final class ObjectNames {

  private static final Pattern DATA_FILE = Pattern.compile(
      "(.+)-p(\\d+)-o(\\d{19})-(\\d{19})\\.parquet");
  private static final Pattern RECEIPT = Pattern.compile("(\\d{19})-(\\d{19})");
  private static final Pattern WATERMARK = Pattern.compile("p(\\d{1,9})");

  private final String prefix;

  public ObjectNames(String prefix) {
    this.prefix = prefix;
  }

  public String prefix() {
    return prefix;
  }

  /** A data file's name within its partition directory, and what it says about its records. */
  public record DataFile(String topic, int partition, long firstOffset, long lastOffset) {
    public String fileName() {
      return String.format(Locale.ROOT, "%s-p%d-o%019d-%019d.parquet",
          topic, partition, firstOffset, lastOffset);
    }
  }

  public String dataKey(Destination destination, DataFile file) {
    return prefix + "/" + destination.directory() + "/" + file.fileName();
  }

  /** Parses a data key; null when the key is not one of ours. */
  public static DataFile parseDataFile(String key) {
    String name = key.substring(key.lastIndexOf('/') + 1);
    Matcher m = DATA_FILE.matcher(name);
    if (!m.matches()) {
      return null;
    }
    return new DataFile(m.group(1), Integer.parseInt(m.group(2)),
        Long.parseLong(m.group(3)), Long.parseLong(m.group(4)));
  }

  public String receiptDirectory(String topic, int partition) {
    return prefix + "/_offsets/" + topic + "/p" + partition + "/";
  }

  public String receiptKey(String topic, int partition, long firstOffset, long lastOffset) {
    return receiptDirectory(topic, partition)
        + String.format(Locale.ROOT, "%019d-%019d", lastOffset, firstOffset);
  }

  /** {@code {first, last}} of a receipt key; null when the key is not a receipt. */
  public static long[] parseReceipt(String key) {
    Matcher m = RECEIPT.matcher(key.substring(key.lastIndexOf('/') + 1));
    if (!m.matches()) {
      return null;
    }
    return new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(1))};
  }

  public String watermarkDirectory(String topic) {
    return prefix + "/_watermarks/" + topic + "/";
  }

  public String watermarkKey(String topic, int partition) {
    return watermarkDirectory(topic) + "p" + partition;
  }

  /**
   * The partition of a watermark key; -1 when the key is not one (anything else in the folder,
   * such as a store's temporary upload object, which s3proxy's filesystem backend lists).
   */
  public static int parseWatermarkPartition(String key) {
    Matcher m = WATERMARK.matcher(key.substring(key.lastIndexOf('/') + 1));
    return m.matches() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** Next hour to mark, epoch millis as text. */
  public String markerCursorKey() {
    return prefix + "/_markers/cursor";
  }

  /** The marker of one hour across every event type. */
  public String hourMarkerKey(long hourStartMillis) {
    return prefix + "/_markers/" + Destination.hourDirectory(hourStartMillis) + "/_SUCCESS";
  }

  /** The marker inside one Hive partition directory. */
  public String partitionMarkerKey(Destination destination) {
    return prefix + "/" + destination.directory() + "/_SUCCESS";
  }
}
