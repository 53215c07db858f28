package dev.millrace.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Transport;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/** A run against a faked Kafka and a faked collector: what is sent, recorded, refused and reported. */
class ReplayRunTest {

  /** Kafka as the run sees it: replay records it wrote are read back by the next run. */
  static final class FakeStore implements ReplayStore {
    final List<Found> deadLetters = new ArrayList<>();
    final Set<String> replayed = new HashSet<>();
    final List<List<ProducerRecord<String, byte[]>>> transactions = new ArrayList<>();
    boolean failCommits;

    @Override
    public Set<String> replayedKeys() {
      return Set.copyOf(replayed);
    }

    @Override
    public List<Found> scan(List<String> topics) {
      return deadLetters.stream().filter(f -> topics.contains(f.topic())).toList();
    }

    @Override
    public void commit(List<ProducerRecord<String, byte[]>> records) {
      if (failCommits) {
        throw new KafkaException("broker down");
      }
      transactions.add(List.copyOf(records));
      records.stream().filter(r -> r.topic().equals(WireNames.REPLAYS_TOPIC)).forEach(r -> replayed.add(r.key()));
    }

    List<ProducerRecord<String, byte[]>> on(String topic) {
      return transactions.stream().flatMap(List::stream).filter(r -> r.topic().equals(topic)).toList();
    }

    @Override
    public void close() {}
  }

  /** The collector's HTTP edge: answers 200 with a BatchResult, or what {@code status} says. */
  static final class FakeCollector implements CollectorClient {
    final List<String> posts = new ArrayList<>();
    int status = 200;

    @Override
    public Answer post(String path, byte[] body, String replayId) throws IOException {
      if (status < 0) {
        throw new IOException("connection refused");
      }
      posts.add(path + " " + replayId + " " + new String(body, StandardCharsets.UTF_8));
      return new Answer(status, status == 200 ? "{\"accepted\":1,\"rejected\":0}" : "{\"title\":\"Unauthorized\"}");
    }
  }

  final FakeStore store = new FakeStore();
  final FakeCollector collector = new FakeCollector();
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  static ReplayOptions options(boolean dryRun, boolean yes, boolean force, ReasonCode... reasons) {
    return new ReplayOptions(List.of(WireNames.COLLECTOR_DEAD_LETTER_TOPIC, WireNames.ENRICHER_DEAD_LETTER_TOPIC),
        new Selection(Set.of(reasons), null, null, null), -1, dryRun, yes, force, WireNames.RAW_TOPIC,
        WireNames.REPLAYS_TOPIC, "http://collector:8080", "key");
  }

  int run(ReplayOptions options, String replayId, String stdin) throws Exception {
    out.reset();
    err.reset();
    return new ReplayRun(options, replayId, store, collector, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), new BufferedReader(new StringReader(stdin)),
        Clock.fixed(Letters.T0, ZoneOffset.UTC)).run();
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aDryRunPrintsThePlanAndSendsNothing() throws Exception {
    store.deadLetters.add(Letters.enricher(0, ReasonCode.SCHEMA_VIOLATION));
    store.deadLetters.add(Letters.collector(1, Transport.TRANSPORT_REST, ByteString.copyFromUtf8("{}"),
        ReasonCode.MISSING_FIELD));

    assertThat(run(options(true, false, false), "r-1", "")).isZero();
    assertThat(out()).contains("dry run").contains("SCHEMA_VIOLATION").contains("MISSING_FIELD");
    assertThat(store.transactions).isEmpty();
    assertThat(collector.posts).isEmpty();
  }

  @Test
  void eachEnricherDeadLetterGoesToTheRawTopicInTheSameTransactionAsItsReplayRecord() throws Exception {
    for (int i = 0; i < ReplayRun.BATCH + 10; i++) {
      store.deadLetters.add(Letters.enricher(i, i % 2 == 0 ? ReasonCode.SCHEMA_VIOLATION : ReasonCode.UNKNOWN_SCHEMA));
    }

    assertThat(run(options(false, true, false), "r-1", "")).isZero();

    assertThat(store.transactions).hasSize(2);
    for (List<ProducerRecord<String, byte[]>> tx : store.transactions) {
      List<String> rawKeys = tx.stream().filter(r -> r.topic().equals(WireNames.RAW_TOPIC)).map(ProducerRecord::key).toList();
      List<String> recorded = tx.stream().filter(r -> r.topic().equals(WireNames.REPLAYS_TOPIC))
          .map(r -> r.key().substring(r.key().indexOf('@') + 1)).map(o -> "e-" + o).toList();
      assertThat(rawKeys).as("every re-submitted event's record is in its transaction").isEqualTo(recorded);
    }
    assertThat(store.on(WireNames.RAW_TOPIC)).hasSize(ReplayRun.BATCH + 10).allSatisfy(r ->
        assertThat(RawEvent.parseFrom(r.value()).getMetadata().getReplayId()).isEqualTo("r-1"));
    assertThat(out()).contains("replayed 510 {SCHEMA_VIOLATION=255, UNKNOWN_SCHEMA=255}").contains("failed 0");
  }

  @Test
  void aSecondReplayOfTheSameDeadLettersIsRefusedAndAForcedOneSendsThemAgain() throws Exception {
    store.deadLetters.add(Letters.enricher(0, ReasonCode.SCHEMA_VIOLATION));
    store.deadLetters.add(Letters.enricher(1, ReasonCode.SCHEMA_VIOLATION));
    run(options(false, true, false), "r-1", "");

    assertThat(run(options(false, true, false), "r-2", "")).isZero();
    assertThat(out()).contains("nothing to replay").contains("2 already replayed: refused");
    assertThat(store.on(WireNames.RAW_TOPIC)).hasSize(2);

    assertThat(run(options(false, true, true), "r-3", "")).isZero();
    assertThat(store.on(WireNames.RAW_TOPIC)).hasSize(4);
    assertThat(store.transactions.get(1)).filteredOn(r -> r.topic().equals(WireNames.REPLAYS_TOPIC)).allSatisfy(r ->
        assertThat(dev.millrace.proto.v1.ReplayRecord.parseFrom(r.value()).getForced()).isTrue());
  }

  @Test
  void collectorDeadLettersArePostedWithTheReplayIdThenRecorded() throws Exception {
    store.deadLetters.add(Letters.collector(1, Transport.TRANSPORT_REST, ByteString.copyFromUtf8("{\"a\":1}"),
        ReasonCode.MISSING_FIELD));
    store.deadLetters.add(Letters.collector(2, Transport.TRANSPORT_SEGMENT, ByteString.copyFromUtf8("{\"b\":2}"),
        ReasonCode.MISSING_FIELD));

    assertThat(run(options(false, true, false), "r-1", "")).isZero();

    assertThat(collector.posts).containsExactly("/v1/events r-1 {\"a\":1}", "/v1/batch r-1 {\"batch\":[{\"b\":2}]}");
    assertThat(store.on(WireNames.REPLAYS_TOPIC)).extracting(ProducerRecord::key).containsExactly(
        "millrace.dead-letter.collector-0@1", "millrace.dead-letter.collector-0@2");
    assertThat(out()).contains("through the collector: 2 accepted, 0 refused again");
  }

  @Test
  void aReplayTheCollectorRefusesIsAFailureWithItsAnswerNotRecordedAndExitsNonZero() throws Exception {
    store.deadLetters.add(Letters.collector(1, Transport.TRANSPORT_REST, ByteString.copyFromUtf8("{}"),
        ReasonCode.MISSING_FIELD));
    collector.status = 401;

    assertThat(run(options(false, true, false), "r-1", "")).isEqualTo(1);
    assertThat(out()).contains("failed 1").contains("1: the collector answered 401: {\"title\":\"Unauthorized\"}");
    assertThat(store.replayed).isEmpty();

    collector.status = -1;
    assertThat(run(options(false, true, false), "r-2", "")).isEqualTo(1);
    assertThat(out()).contains("the collector could not be reached: connection refused");
  }

  @Test
  void anAbortedTransactionFailsItsWholeBatchAndRecordsNothing() throws Exception {
    store.deadLetters.add(Letters.enricher(0, ReasonCode.ENRICHMENT_UNAVAILABLE));
    store.failCommits = true;

    assertThat(run(options(false, true, false), "r-1", "")).isEqualTo(1);
    assertThat(out()).contains("1: the Kafka transaction did not commit: broker down");
    assertThat(store.replayed).isEmpty();
  }

  @Test
  void withoutYesTheRunAsksAndOnlyAYesSends() throws Exception {
    store.deadLetters.add(Letters.enricher(0, ReasonCode.SCHEMA_VIOLATION));

    assertThat(run(options(false, false, false), "r-1", "n\n")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("replay 1 dead letters? [y/N]").contains("not confirmed");
    assertThat(store.transactions).isEmpty();

    assertThat(run(options(false, false, false), "r-2", "y\n")).isZero();
    assertThat(store.on(WireNames.RAW_TOPIC)).hasSize(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("1/1 replayed 1, failed 0");
  }

  @Test
  void reasonsSelectWhatIsReplayedAndOtherStagesAreSkipped() throws Exception {
    store.deadLetters.add(Letters.enricher(0, ReasonCode.SCHEMA_VIOLATION));
    store.deadLetters.add(Letters.enricher(1, ReasonCode.ENRICHMENT_FAILED));

    assertThat(run(options(false, true, false, ReasonCode.SCHEMA_VIOLATION), "r-1", "")).isZero();
    assertThat(store.on(WireNames.RAW_TOPIC)).extracting(ProducerRecord::key).containsExactly("e-0");
  }
}
