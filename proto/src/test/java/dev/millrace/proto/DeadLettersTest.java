package dev.millrace.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The headers every stage's dead letter carries, against the header table of
 * {@code docs/architecture.md}: a consumer routes, logs and deduplicates dead letters by them
 * without decoding the value.
 */
class DeadLettersTest {

  private static final Instant FAILED_AT = Instant.parse("2026-12-07T08:00:00.123Z");
  private static final String ID = "0b7c7f9e-3c1b-4d39-9a55-0c2b1d0e4f21";

  /** Each stage's dead letter of a readable event, built as that stage builds it. */
  static Stream<Arguments> stages() {
    return Stream.of(
        Arguments.of("collector", ReasonCode.INVALID_TIMESTAMP,
            DeadLetters.newBuilder(Stage.STAGE_COLLECTOR, ReasonCode.INVALID_TIMESTAMP, "bad time", FAILED_AT)
                .setOriginal(ByteString.copyFromUtf8("{}"))
                .setEventId(ID).setEventType("page_view").setSchemaVersion("1-0-0").build()),
        Arguments.of("enricher", ReasonCode.SCHEMA_VIOLATION,
            // The enricher sets the event's strings as the bytes it read them as.
            DeadLetters.newBuilder(Stage.STAGE_ENRICHER, ReasonCode.SCHEMA_VIOLATION, "no path", FAILED_AT)
                .setSourceTopic(WireNames.RAW_TOPIC).setSourcePartition(2).setSourceOffset(7)
                .setEventIdBytes(utf8(ID)).setEventTypeBytes(utf8("page_view"))
                .setSchemaVersionBytes(utf8("1-0-0")).build()),
        Arguments.of("realtime loader", ReasonCode.INDEX_REJECTED,
            DeadLetters.newBuilder(Stage.STAGE_REALTIME_LOADER, ReasonCode.INDEX_REJECTED, "mapper_parsing_exception",
                    FAILED_AT)
                .setSourceTopic(WireNames.ENRICHED_TOPIC).setSourcePartition(0).setSourceOffset(3)
                .setEventId(ID).setEventType("page_view").setSchemaVersion("1-0-0").build()),
        Arguments.of("batch loader", ReasonCode.LOADER_UNDECODABLE,
            // The batch loader cannot read the value: what it knows comes from the record's headers.
            DeadLetters.eventFromHeaders(
                DeadLetters.newBuilder(Stage.STAGE_BATCH_LOADER, ReasonCode.LOADER_UNDECODABLE, "not an EnrichedEvent",
                        FAILED_AT)
                    .setSourceTopic(WireNames.ENRICHED_TOPIC).setSourcePartition(1).setSourceOffset(9),
                headers(Map.of(WireNames.HEADER_EVENT_ID, ID, WireNames.HEADER_EVENT_TYPE, "page_view",
                    WireNames.HEADER_SCHEMA_VERSION, "1-0-0")))
                .build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stages")
  void everyStagesDeadLetterCarriesTheHeadersOfTheArchitectureDoc(String stage, ReasonCode reason,
                                                                  DeadLetter letter) throws IOException {
    Map<String, String> headers = headersOf(letter);

    assertThat(headers.keySet()).as("the headers docs/architecture.md lists for dead letters")
        .containsExactlyInAnyOrderElementsOf(documentedDeadLetterHeaders());
    assertThat(headers).containsExactly(
        entry(WireNames.HEADER_EVENT_ID, ID),
        entry(WireNames.HEADER_EVENT_TYPE, "page_view"),
        entry(WireNames.HEADER_SCHEMA_VERSION, "1-0-0"),
        entry(WireNames.HEADER_REASON, reason.name()),
        entry(WireNames.HEADER_CONTENT_TYPE, "millrace.v1.DeadLetter"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stages")
  void theValueSaysWhatTheHeadersSay(String stage, ReasonCode reason, DeadLetter letter)
      throws InvalidProtocolBufferException {
    DeadLetter read = DeadLetter.parseFrom(letter.toByteArray());

    assertThat(read.getReason()).isEqualTo(reason);
    assertThat(read.getEventId()).isEqualTo(ID);
    assertThat(read.getEventType()).isEqualTo("page_view");
    assertThat(read.getSchemaVersion()).isEqualTo("1-0-0");
    assertThat(read.getFailedAt().getSeconds()).isEqualTo(FAILED_AT.getEpochSecond());
    assertThat(read.getFailedAt().getNanos()).isEqualTo(FAILED_AT.getNano());
  }

  @Test
  void aDeadLetterOfAnUnreadableRecordHasOnlyItsReasonAndContentType() {
    DeadLetter letter = DeadLetters.newBuilder(Stage.STAGE_ENRICHER, ReasonCode.UNDECODABLE,
        "not a millrace.v1.RawEvent", FAILED_AT).build();

    assertThat(headersOf(letter)).containsExactly(
        entry(WireNames.HEADER_REASON, "UNDECODABLE"),
        entry(WireNames.HEADER_CONTENT_TYPE, "millrace.v1.DeadLetter"));
    assertThat(letter.getSourcePartition()).as("unknown until the stage sets it").isEqualTo(-1);
    assertThat(letter.getSourceOffset()).isEqualTo(-1);
  }

  @Test
  void headersThatAreAbsentEmptyOrNotUtf8AreNotTakenIntoTheDeadLetter() throws InvalidProtocolBufferException {
    Map<String, byte[]> given = new LinkedHashMap<>();
    given.put(WireNames.HEADER_EVENT_ID, ID.getBytes(StandardCharsets.UTF_8));
    given.put(WireNames.HEADER_EVENT_TYPE, new byte[] {(byte) 0xff, 'a'});
    given.put(WireNames.HEADER_SCHEMA_VERSION, new byte[0]);
    DeadLetter letter = DeadLetters.eventFromHeaders(DeadLetters.newBuilder(Stage.STAGE_BATCH_LOADER,
        ReasonCode.LOADER_UNDECODABLE, "not an EnrichedEvent", FAILED_AT), given::get).build();

    assertThat(DeadLetter.parseFrom(letter.toByteArray()).getEventId()).isEqualTo(ID);
    assertThat(headersOf(letter)).containsExactly(
        entry(WireNames.HEADER_EVENT_ID, ID),
        entry(WireNames.HEADER_REASON, "LOADER_UNDECODABLE"),
        entry(WireNames.HEADER_CONTENT_TYPE, "millrace.v1.DeadLetter"));
    assertThat(headersOf(DeadLetters.eventFromHeaders(DeadLetter.newBuilder()
        .setReason(ReasonCode.LOADER_UNDECODABLE), name -> null).build()))
        .containsOnlyKeys(WireNames.HEADER_REASON, WireNames.HEADER_CONTENT_TYPE);
  }

  /** The header names of the architecture doc's header table on "all" records or "dead letters". */
  static List<String> documentedDeadLetterHeaders() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "architecture.md"));
    Matcher row = Pattern.compile("(?m)^\\| `(millrace\\.[a-z_]+)` \\| (all|dead letters) \\|").matcher(doc);
    List<String> names = new java.util.ArrayList<>();
    while (row.find()) {
      names.add(row.group(1));
    }
    assertThat(names).as("the header table of docs/architecture.md").isNotEmpty();
    return names;
  }

  private static Map<String, String> headersOf(DeadLetter letter) {
    Map<String, String> headers = new LinkedHashMap<>();
    DeadLetters.headers(letter, (name, value) -> {
      assertThat(headers).as("header %s written once", name).doesNotContainKey(name);
      headers.put(name, new String(value, StandardCharsets.UTF_8));
    });
    return headers;
  }

  private static Function<String, byte[]> headers(Map<String, String> values) {
    return name -> values.containsKey(name) ? values.get(name).getBytes(StandardCharsets.UTF_8) : null;
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
