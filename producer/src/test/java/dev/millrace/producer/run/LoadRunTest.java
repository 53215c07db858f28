package dev.millrace.producer.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.producer.send.EventSender;
import dev.millrace.producer.send.SendException;
import dev.millrace.producer.traffic.EventMix;
import dev.millrace.producer.traffic.TrafficGenerator;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.EventStatus;
import dev.millrace.proto.v1.ReasonCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LoadRunTest {

  /** Answers like a collector: rejects what is not a UUID, fails every fifth request. */
  static final class FakeCollector implements EventSender {
    final String transport;
    final AtomicInteger calls = new AtomicInteger();

    FakeCollector(String transport) {
      this.transport = transport;
    }

    @Override public String transport() { return transport; }
    @Override public String target() { return "fake"; }
    @Override public void close() {}

    @Override
    public BatchResult send(List<Event> events) throws SendException {
      if (calls.incrementAndGet() % 5 == 0) {
        throw new SendException("http 503", "busy");
      }
      BatchResult.Builder result = BatchResult.newBuilder();
      for (int i = 0; i < events.size(); i++) {
        boolean ok;
        try {
          UUID.fromString(events.get(i).getEventId());
          ok = true;
        } catch (IllegalArgumentException e) {
          ok = false;
        }
        result.addResults(EventResult.newBuilder().setIndex(i).setEventId(events.get(i).getEventId())
            .setStatus(ok ? EventStatus.EVENT_STATUS_ACCEPTED : EventStatus.EVENT_STATUS_REJECTED)
            .setReason(ok ? ReasonCode.REASON_CODE_UNSPECIFIED : ReasonCode.INVALID_EVENT_ID));
      }
      return result.build();
    }
  }

  @Test
  void everyEventIsSentOnceAndEveryOutcomeIsCounted() throws Exception {
    FakeCollector rest = new FakeCollector("rest");
    FakeCollector grpc = new FakeCollector("grpc");
    ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
    EventMix mix = new EventMix(EventMix.DEFAULT_WEIGHTS, 30, 0);
    LoadRun run = new LoadRun(new TrafficGenerator(1, mix, Clock.systemUTC()), List.of(rest, grpc),
        new LoadRun.Settings(0, 1_005, null, 50, 3), deliveries::add);
    Duration elapsed = run.run();

    assertThat(rest.calls.get() + grpc.calls.get()).as("1005 events in batches of 50").isEqualTo(21);
    assertThat(Math.abs(rest.calls.get() - grpc.calls.get())).as("transports alternate").isLessThanOrEqualTo(1);
    assertThat(deliveries.stream().mapToInt(d -> d.events().size()).sum()).isEqualTo(1005);
    RunStats stats = run.stats();
    long failed = deliveries.stream().filter(Delivery::failed).mapToLong(d -> d.events().size()).sum();
    long badIds = deliveries.stream().filter(d -> !d.failed()).flatMap(d -> d.events().stream())
        .filter(e -> e.invalid() == dev.millrace.producer.traffic.InvalidKind.BAD_EVENT_ID).count();
    assertThat(stats.sent()).isEqualTo(1005);
    assertThat(stats.errored()).isEqualTo(failed).isPositive();
    assertThat(stats.rejected()).isEqualTo(badIds).isPositive();
    assertThat(stats.accepted()).isEqualTo(1005 - failed - badIds);
    assertThat(stats.rejectedByReason()).containsOnlyKeys("INVALID_EVENT_ID");
    assertThat(stats.errorsByKind()).containsOnlyKeys("http 503");

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    stats.print(new PrintStream(out, true, StandardCharsets.UTF_8), elapsed);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("sent").contains("1,005 events").contains("INVALID_EVENT_ID").contains("http 503").contains("p99");
  }

  @Test
  void aDurationEndsTheRunWithoutACount() throws Exception {
    LoadRun run = new LoadRun(new TrafficGenerator(1, EventMix.demo(), Clock.systemUTC()),
        List.of(new FakeCollector("rest")), new LoadRun.Settings(2_000, 0, Duration.ofMillis(300), 10, 1),
        d -> {});
    run.run();
    assertThat(run.stats().sent()).isPositive();
  }
}
