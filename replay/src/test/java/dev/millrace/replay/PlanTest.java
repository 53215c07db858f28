package dev.millrace.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.proto.v1.Transport;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlanTest {

  private final Found violation = Letters.enricher(1, ReasonCode.SCHEMA_VIOLATION);
  private final Found unknown = Letters.enricher(2, "e-2", "signup", ReasonCode.UNKNOWN_SCHEMA,
      Letters.T0.plusSeconds(3600));
  private final Found unavailable = Letters.enricher(3, ReasonCode.ENRICHMENT_UNAVAILABLE);
  private final Found rest = Letters.collector(7, Transport.TRANSPORT_REST, ByteString.copyFromUtf8("{}"),
      ReasonCode.MISSING_FIELD);

  @Test
  void deadLettersAreSelectedByReasonEventTypeAndFailureTime() {
    List<Found> all = List.of(violation, unknown, unavailable, rest);

    assertThat(Plan.of(all, Selection.all(), Set.of(), false, -1).toReplay).containsExactlyElementsOf(all);
    assertThat(Plan.of(all, new Selection(Set.of(ReasonCode.SCHEMA_VIOLATION, ReasonCode.UNKNOWN_SCHEMA), null,
        null, null), Set.of(), false, -1).toReplay).containsExactly(violation, unknown);
    assertThat(Plan.of(all, new Selection(Set.of(), "signup", null, null), Set.of(), false, -1).toReplay)
        .containsExactly(unknown);
    Instant later = Letters.T0.plusSeconds(60);
    assertThat(Plan.of(all, new Selection(Set.of(), null, later, null), Set.of(), false, -1).toReplay)
        .as("from is inclusive").containsExactly(unknown);
    assertThat(Plan.of(all, new Selection(Set.of(), null, null, Letters.T0.plusSeconds(3600)), Set.of(), false, -1)
        .toReplay).as("to is exclusive").containsExactly(violation, unavailable, rest);
  }

  @Test
  void aDeadLetterAlreadyReplayedIsRefusedUnlessForced() {
    Set<String> replayed = Set.of(violation.key());

    Plan plan = Plan.of(List.of(violation, unknown), Selection.all(), replayed, false, -1);
    assertThat(plan.refused).containsExactly(violation);
    assertThat(plan.toReplay).containsExactly(unknown);

    Plan forced = Plan.of(List.of(violation, unknown), Selection.all(), replayed, true, -1);
    assertThat(forced.toReplay).containsExactly(violation, unknown);
    assertThat(forced.forced).containsExactly(violation.key());
  }

  @Test
  void maxBoundsWhatIsReplayedAndTheRestIsLeftForLater() {
    Plan plan = Plan.of(List.of(violation, unknown, unavailable), Selection.all(), Set.of(), false, 2);
    assertThat(plan.toReplay).containsExactly(violation, unknown);
    assertThat(plan.overMax).containsExactly(unavailable);
  }

  @Test
  void otherStagesAndUnreadableOriginalsAreListedAndSkippedWithAReason() {
    Found undecodable = new Found("millrace.dead-letter.enricher", 0, 9, DeadLetter.newBuilder()
        .setStage(Stage.STAGE_ENRICHER).setReason(ReasonCode.UNDECODABLE)
        .setOriginal(ByteString.copyFrom(new byte[] {(byte) 0xff, 0x01})).build());
    Plan plan = Plan.of(List.of(Letters.loader(1), undecodable, violation), Selection.all(), Set.of(), false, -1);

    assertThat(plan.toReplay).containsExactly(violation);
    assertThat(plan.skipped).extracting(Plan.Skipped::why).containsExactly(
        "stage STAGE_BATCH_LOADER: only COLLECTOR and ENRICHER dead letters are re-submitted"
            + " (a loader's dead letter is re-read from the enriched topic)",
        "enricher dead letter whose original is not a RawEvent (UNDECODABLE): nothing to re-submit");
  }

  @Test
  void theSummaryCountsPerTopicAndReasonWhatIsReplayedRefusedAndSkipped() {
    Plan plan = Plan.of(List.of(violation, unknown, Letters.enricher(4, ReasonCode.SCHEMA_VIOLATION), rest,
        Letters.loader(5)), Selection.all(), Set.of(unknown.key()), false, -1);

    String summary = plan.summary();
    assertThat(summary.lines().toList()).contains(
        String.format("%-34s %-24s %9s %16s %9s %8s", "millrace.dead-letter.enricher", "SCHEMA_VIOLATION", 2, 0, 0, 0),
        String.format("%-34s %-24s %9s %16s %9s %8s", "millrace.dead-letter.enricher", "UNKNOWN_SCHEMA", 0, 1, 0, 0),
        String.format("%-34s %-24s %9s %16s %9s %8s", "millrace.dead-letter.collector", "MISSING_FIELD", 1, 0, 0, 0),
        String.format("%-34s %-24s %9s %16s %9s %8s", "total", "", 3, 1, 0, 1),
        "1 already replayed: refused (--force replays them again)");
    assertThat(summary).contains("1 skipped: stage STAGE_BATCH_LOADER");
  }
}
