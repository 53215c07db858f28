package dev.millrace.proto;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.DeadLetterOrBuilder;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Builds dead letters the way {@code docs/architecture.md} describes them, for every stage: the
 * {@code millrace.v1.DeadLetter} value and the headers of its Kafka record. The headers are read off
 * the value, so they cannot disagree with it, and no stage can forget one:
 *
 * <ul>
 *   <li>{@link WireNames#HEADER_EVENT_ID}, {@link WireNames#HEADER_EVENT_TYPE},
 *       {@link WireNames#HEADER_SCHEMA_VERSION}: when the dead letter knows them (a record that
 *       could not be read may have none);
 *   <li>{@link WireNames#HEADER_REASON}: the reason code's name;
 *   <li>{@link WireNames#HEADER_CONTENT_TYPE}: {@code millrace.v1.DeadLetter}.
 * </ul>
 *
 * <p>What differs between stages stays with the stage: how the original is kept (wrapped, copied or
 * cut to a size limit), the source coordinates and the record's key. Strings are taken as the
 * {@link ByteString}s the value holds, never decoded, so a stage that passes bytes along (the
 * enricher) decodes nothing to write the headers. Kafka is not a dependency of this module: the
 * headers go to any {@code (name, value)} sink, e.g. {@code RecordHeaders::add}.
 */
public final class DeadLetters {

  /** The value's message name, the {@link WireNames#HEADER_CONTENT_TYPE} of every dead letter. */
  public static final String CONTENT_TYPE = DeadLetter.getDescriptor().getFullName();

  /** Shared by every record, as before: Kafka never writes to a header's value. */
  private static final byte[] CONTENT_TYPE_UTF8 = CONTENT_TYPE.getBytes(StandardCharsets.UTF_8);

  private DeadLetters() {}

  /**
   * A dead letter of {@code stage} for {@code reason}, with its message and failure time, and
   * source coordinates unknown (-1) until the caller sets them. The caller adds what it knows with
   * the generated setters: the original, the source topic, partition and offset, the event's id,
   * type and version (the {@code ...Bytes} setters where it holds bytes), metadata and violations.
   */
  public static DeadLetter.Builder newBuilder(Stage stage, ReasonCode reason, String message,
                                              Timestamp failedAt) {
    return DeadLetter.newBuilder()
        .setStage(stage)
        .setReason(reason)
        .setMessage(message)
        .setSourcePartition(-1)
        .setSourceOffset(-1)
        .setFailedAt(failedAt);
  }

  /** As {@link #newBuilder(Stage, ReasonCode, String, Timestamp)}, failed at {@code failedAt}. */
  public static DeadLetter.Builder newBuilder(Stage stage, ReasonCode reason, String message,
                                              Instant failedAt) {
    return newBuilder(stage, reason, message, Timestamp.newBuilder()
        .setSeconds(failedAt.getEpochSecond()).setNanos(failedAt.getNano()).build());
  }

  /**
   * Sets the event's id, type and version from the headers of the record being dead-lettered, as
   * far as they are there and valid UTF-8 (a {@code string} field must be): for a stage that cannot
   * decode the value but reads a record whose producer wrote these headers.
   *
   * @param lastHeader a header's value by name, null when absent (e.g. from Kafka's
   *     {@code Headers.lastHeader})
   */
  public static DeadLetter.Builder eventFromHeaders(DeadLetter.Builder letter,
                                                    Function<String, byte[]> lastHeader) {
    ByteString id = utf8Header(lastHeader, WireNames.HEADER_EVENT_ID);
    if (id != null) {
      letter.setEventIdBytes(id);
    }
    ByteString type = utf8Header(lastHeader, WireNames.HEADER_EVENT_TYPE);
    if (type != null) {
      letter.setEventTypeBytes(type);
    }
    ByteString version = utf8Header(lastHeader, WireNames.HEADER_SCHEMA_VERSION);
    if (version != null) {
      letter.setSchemaVersionBytes(version);
    }
    return letter;
  }

  /**
   * Writes the headers of a dead letter's record, in this order: event id, event type and schema
   * version when not empty, the reason, the content type.
   *
   * @param add the record's headers, e.g. {@code RecordHeaders::add}
   */
  public static void headers(DeadLetterOrBuilder letter, BiConsumer<String, byte[]> add) {
    addIfPresent(add, WireNames.HEADER_EVENT_ID, letter.getEventIdBytes());
    addIfPresent(add, WireNames.HEADER_EVENT_TYPE, letter.getEventTypeBytes());
    addIfPresent(add, WireNames.HEADER_SCHEMA_VERSION, letter.getSchemaVersionBytes());
    add.accept(WireNames.HEADER_REASON, letter.getReason().name().getBytes(StandardCharsets.UTF_8));
    add.accept(WireNames.HEADER_CONTENT_TYPE, CONTENT_TYPE_UTF8);
  }

  private static void addIfPresent(BiConsumer<String, byte[]> add, String name, ByteString value) {
    if (!value.isEmpty()) {
      add.accept(name, value.toByteArray());
    }
  }

  private static ByteString utf8Header(Function<String, byte[]> lastHeader, String name) {
    byte[] value = lastHeader.apply(name);
    if (value == null || value.length == 0) {
      return null;
    }
    ByteString bytes = ByteString.copyFrom(value);
    return bytes.isValidUtf8() ? bytes : null;
  }
}
