package dev.millrace.producer;

import dev.millrace.producer.run.LoadRun;
import dev.millrace.producer.send.EventSender;
import dev.millrace.producer.send.GrpcSender;
import dev.millrace.producer.send.RestSender;
import dev.millrace.producer.traffic.EventMix;
import dev.millrace.producer.traffic.HistoryClock;
import dev.millrace.producer.traffic.TrafficGenerator;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The producer command: {@code java -jar millrace-producer-exec.jar --count 10000 --rate 500}.
 * Exit status 0 when every request got an answer, 1 when some failed, 2 for bad arguments.
 */
@Command(name = "millrace-producer", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Sends realistic demo traffic to a Millrace collector over REST and/or gRPC and prints"
        + " what the collector answered.")
public final class ProducerMain implements Callable<Integer> {

  @Option(names = "--rest-url", paramLabel = "URL", split = ",", defaultValue = "http://localhost:8080",
      description = "Collector REST base URL(s) (default: ${DEFAULT-VALUE}).")
  List<URI> restUrls;

  @Option(names = "--grpc-target", paramLabel = "HOST:PORT", split = ",", defaultValue = "localhost:9090",
      description = "Collector gRPC target(s); grpcs:// for TLS (default: ${DEFAULT-VALUE}).")
  List<String> grpcTargets;

  @Option(names = "--transport", paramLabel = "rest|grpc|both", defaultValue = "both",
      description = "Which API(s) to send over; 'both' alternates batches (default: ${DEFAULT-VALUE}).")
  ProducerOptions.Transport transport;

  @Option(names = "--write-key", paramLabel = "KEY", defaultValue = "${env:MILLRACE_WRITE_KEY}",
      description = "Write key (default: $MILLRACE_WRITE_KEY).")
  String writeKey;

  @Option(names = "--rate", paramLabel = "EVENTS/S", defaultValue = "200",
      description = "Target events per second, 0 for as fast as possible (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--count", paramLabel = "N", defaultValue = "1000",
      description = "Events to send; 0 for no limit with --duration (default: ${DEFAULT-VALUE}).")
  long count;

  @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
      description = "Send for this long (e.g. 30s, 5m); stops at whichever of count and duration comes first.")
  Duration duration;

  @Option(names = "--mix", paramLabel = "TYPE=WEIGHT,...",
      description = "Event type weights (default: page_view=60,link_click=20,add_to_cart=10,purchase=5,signup=5).")
  String mix;

  @Option(names = "--invalid-pct", paramLabel = "PCT", defaultValue = "2",
      description = "Percentage of events broken on purpose, one collector failure kind after another (default: ${DEFAULT-VALUE}).")
  double invalidPercent;

  @Option(names = "--duplicate-pct", paramLabel = "PCT", defaultValue = "1",
      description = "Percentage of events resent with an earlier event's id (default: ${DEFAULT-VALUE}).")
  double duplicatePercent;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "50",
      description = "Events per request (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4",
      description = "Requests in flight at most (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--gzip", description = "Compress REST bodies with gzip.")
  boolean gzip;

  @Option(names = "--grpc-mode", paramLabel = "batch|stream", defaultValue = "batch",
      description = "SendBatch per batch, or one SendStream per batch (default: ${DEFAULT-VALUE}).")
  GrpcSender.Mode grpcMode;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "-1",
      description = "Seed of the traffic generator; the same seed sends the same events (default: random).")
  long seed;

  @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "10s", converter = DurationConverter.class,
      description = "Deadline of each request (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--history-days", paramLabel = "N", defaultValue = "0",
      description = "Spread occurred_at from midnight UTC N days ago to now, in send order, instead of now"
          + " (needs --count; 0: now, the default).")
  int historyDays;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new ProducerMain());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // Wrong input gets one clear line and the usage hint, not a stack trace.
    cli.setParameterExceptionHandler((e, args) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("millrace-producer: " + e.getMessage());
      err.println("Try --help for the options.");
      return 2;
    });
    cli.setExecutionExceptionHandler((e, c, parseResult) -> {
      if (e instanceof IllegalArgumentException) {
        c.getErr().println("millrace-producer: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    return cli;
  }

  /** The validated options; throws IllegalArgumentException naming the bad option. */
  ProducerOptions options() {
    EventMix eventMix = new EventMix(EventMix.parseWeights(mix), invalidPercent, duplicatePercent);
    LoadRun.Settings load = new LoadRun.Settings(rate, count, duration, batchSize, concurrency);
    return new ProducerOptions(restUrls, grpcTargets, transport, writeKey, load, eventMix,
        gzip ? RestSender.Compression.GZIP : RestSender.Compression.NONE, grpcMode,
        seed == -1 ? System.nanoTime() : seed, timeout);
  }

  @Override
  public Integer call() throws InterruptedException {
    ProducerOptions options = options();
    List<EventSender> senders = options.openSenders();
    try {
      Clock clock = historyDays == 0 ? Clock.systemUTC() : new HistoryClock(historyDays, count, Clock.systemUTC());
      TrafficGenerator generator = new TrafficGenerator(options.seed(), options.mix(), clock);
      LoadRun run = new LoadRun(generator, senders, options.load(), delivery -> {});
      Thread hook = new Thread(run::stop);
      Runtime.getRuntime().addShutdownHook(hook);
      System.err.printf(Locale.ROOT, "sending to %s%n",
          String.join(", ", senders.stream().map(s -> s.transport() + " " + s.target()).toList()));
      Duration elapsed = run.run();
      run.stats().print(System.out, elapsed);
      return run.stats().errored() == 0 ? 0 : 1;
    } finally {
      senders.forEach(EventSender::close);
    }
  }

  /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 {@code PT30S}. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
      Matcher m = SHORT.matcher(value.trim().toLowerCase(Locale.ROOT));
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
      }
      try {
        return Duration.parse(value);
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 30s, 5m, PT1H)");
      }
    }
  }
}
