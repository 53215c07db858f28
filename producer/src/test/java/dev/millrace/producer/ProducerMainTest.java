package dev.millrace.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.producer.send.GrpcSender;
import dev.millrace.producer.send.RestSender;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ProducerMainTest {

  private static ProducerOptions parse(String... args) {
    CommandLine cli = ProducerMain.commandLine();
    cli.parseArgs(args);
    return ((ProducerMain) cli.getCommand()).options();
  }

  @Test
  void defaultsSendTheDemoMixToALocalCollectorOverBothApis() {
    ProducerOptions options = parse("--write-key", "wk_demo", "--seed", "1");
    assertThat(options.restUrls()).containsExactly(URI.create("http://localhost:8080"));
    assertThat(options.grpcTargets()).containsExactly("localhost:9090");
    assertThat(options.transport()).isEqualTo(ProducerOptions.Transport.BOTH);
    assertThat(options.load().count()).isEqualTo(1000);
    assertThat(options.load().rate()).isEqualTo(200);
    assertThat(options.load().batchSize()).isEqualTo(50);
    assertThat(options.load().duration()).isNull();
    assertThat(options.mix().invalidPercent()).isEqualTo(2);
    assertThat(options.mix().duplicatePercent()).isEqualTo(1);
    assertThat(options.compression()).isEqualTo(RestSender.Compression.NONE);
    assertThat(options.grpcMode()).isEqualTo(GrpcSender.Mode.BATCH);
    assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.seed()).isEqualTo(1);
  }

  @Test
  void everyOptionReachesTheRun() {
    ProducerOptions options = parse("--write-key", "k", "--transport", "grpc",
        "--grpc-target", "c1:9090,grpcs://c2:443", "--rest-url", "https://collector.example/v1/events",
        "--rate", "0", "--count", "0", "--duration", "5m", "--mix", "purchase=3,signup=1",
        "--invalid-pct", "10", "--duplicate-pct", "5", "--batch-size", "500", "--concurrency", "16",
        "--gzip", "--grpc-mode", "STREAM", "--timeout", "1500ms");
    assertThat(options.transport()).isEqualTo(ProducerOptions.Transport.GRPC);
    assertThat(options.grpcTargets()).containsExactly("c1:9090", "grpcs://c2:443");
    assertThat(options.restUrls()).containsExactly(URI.create("https://collector.example/v1/events"));
    assertThat(options.load().rate()).isZero();
    assertThat(options.load().duration()).isEqualTo(Duration.ofMinutes(5));
    assertThat(options.mix().typeWeights()).containsExactly(Map.entry("purchase", 3), Map.entry("signup", 1));
    assertThat(options.mix().invalidPercent()).isEqualTo(10);
    assertThat(options.mix().duplicatePercent()).isEqualTo(5);
    assertThat(options.load().batchSize()).isEqualTo(500);
    assertThat(options.load().concurrency()).isEqualTo(16);
    assertThat(options.compression()).isEqualTo(RestSender.Compression.GZIP);
    assertThat(options.grpcMode()).isEqualTo(GrpcSender.Mode.STREAM);
    assertThat(options.timeout()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void aRunWithNeitherCountNorDurationIsRefused() {
    assertThatThrownBy(() -> parse("--write-key", "k", "--count", "0"))
        .hasMessage("give a count or a duration, or the run never ends");
  }

  @Test
  void aMissingWriteKeyIsRefusedNamingTheOption() {
    assertThatThrownBy(() -> parse("--write-key", ""))
        .hasMessage("a write key is required (--write-key or MILLRACE_WRITE_KEY)");
  }

  @Test
  void aRestUrlMustBeHttp() {
    assertThatThrownBy(() -> parse("--write-key", "k", "--rest-url", "localhost:8080"))
        .hasMessage("--rest-url must be an http(s) URL, was localhost:8080");
  }

  @Test
  void badValuesExitWithStatusTwoAndOneClearLine() {
    for (List<String> args : List.of(
        List.of("--write-key", "k", "--rate", "fast"),
        List.of("--write-key", "k", "--duration", "soon"),
        List.of("--write-key", "k", "--transport", "carrier-pigeon"),
        List.of("--write-key", "k", "--mix", "page_veiw=1"),
        List.of("--write-key", "k", "--batch-size", "0"))) {
      CommandLine cli = ProducerMain.commandLine();
      StringWriter err = new StringWriter();
      cli.setErr(new PrintWriter(err));
      int status = cli.execute(args.toArray(String[]::new));
      assertThat(status).as("%s", args).isEqualTo(2);
      assertThat(err.toString()).as("%s", args).startsWith("millrace-producer: ").doesNotContain("\tat ");
    }
  }

  @Test
  void durationsReadShortAndIsoForms() {
    ProducerMain.DurationConverter converter = new ProducerMain.DurationConverter();
    assertThat(converter.convert("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(converter.convert("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(converter.convert("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(converter.convert("PT1M")).isEqualTo(Duration.ofMinutes(1));
  }
}
