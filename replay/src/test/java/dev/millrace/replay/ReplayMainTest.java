package dev.millrace.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.ReasonCode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ReplayMainTest {

  private static ReplayOptions parse(String... args) {
    ReplayMain main = new ReplayMain();
    new CommandLine(main).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
    return main.options();
  }

  @Test
  void bothDeadLetterTopicsByDefaultAndOneStageWhenAsked() {
    assertThat(parse("--bootstrap-servers", "k:9092").topics())
        .containsExactly(WireNames.COLLECTOR_DEAD_LETTER_TOPIC, WireNames.ENRICHER_DEAD_LETTER_TOPIC);
    assertThat(parse("--bootstrap-servers", "k:9092", "--stage", "enricher", "--enricher-dead-letter-topic", "dl")
        .topics()).containsExactly("dl");
  }

  @Test
  void filtersAndSwitchesAreParsed() {
    ReplayOptions o = parse("--bootstrap-servers", "k:9092", "--reason", "SCHEMA_VIOLATION", "--reason",
        "unknown_schema", "--event-type", "signup", "--from", "2026-12-07T08:00:00+01:00", "--to",
        "2026-12-07T09:00:00Z", "--max", "10", "--dry-run", "--force", "--raw-topic", "raw", "--replays-topic", "rep");
    assertThat(o.selection().reasons()).containsExactlyInAnyOrder(ReasonCode.SCHEMA_VIOLATION, ReasonCode.UNKNOWN_SCHEMA);
    assertThat(o.selection().eventType()).isEqualTo("signup");
    assertThat(o.selection().from()).isEqualTo(Instant.parse("2026-12-07T07:00:00Z"));
    assertThat(o.selection().to()).isEqualTo(Instant.parse("2026-12-07T09:00:00Z"));
    assertThat(o.max()).isEqualTo(10);
    assertThat(o.dryRun()).isTrue();
    assertThat(o.force()).isTrue();
    assertThat(o.yes()).isFalse();
    assertThat(List.of(o.rawTopic(), o.replaysTopic())).containsExactly("raw", "rep");
  }

  @Test
  void badTimesAreRefusedNamingTheOption() {
    assertThatThrownBy(() -> parse("--bootstrap-servers", "k", "--from", "yesterday"))
        .hasMessageContaining("--from must be an RFC 3339 time");
    assertThatThrownBy(() -> parse("--bootstrap-servers", "k", "--from", "2026-12-07T09:00:00Z", "--to",
        "2026-12-07T08:00:00Z")).hasMessage("--from must be before --to");
  }

  @Test
  void aMissingBootstrapServerIsAUsageError() {
    assertThat(ReplayMain.execute("--dry-run")).isEqualTo(2);
  }
}
