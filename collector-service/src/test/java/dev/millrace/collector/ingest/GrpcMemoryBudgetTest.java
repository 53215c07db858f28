package dev.millrace.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.millrace.collector.testing.FakeSink;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.testing.GrpcEvents;
import dev.millrace.collector.testing.TestCollector;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.CollectorServiceGrpc;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventBatch;
import dev.millrace.proto.v1.RawEvent;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The gRPC edge under a small memory budget, with a broker that acknowledges only when told: a
 * stream releases its records as they are acknowledged and reads no faster than its window, calls
 * past the budget are RESOURCE_EXHAUSTED, and every byte comes back, whatever the client does.
 */
class GrpcMemoryBudgetTest {

  private static final DataSize MAX_MESSAGE = DataSize.ofKilobytes(256);
  private static final DataSize WINDOW = DataSize.ofKilobytes(256);
  private static final DataSize BUDGET = DataSize.ofMegabytes(2);

  private final TestCollector collector = new TestCollector(Fixtures.smallBudget(MAX_MESSAGE, WINDOW, BUDGET));
  private final String name = InProcessServerBuilder.generateName();
  private final Server server;
  private final ManagedChannel channel;

  GrpcMemoryBudgetTest() throws Exception {
    server = InProcessServerBuilder.forName(name).directExecutor().addService(collector.grpc).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void close() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private CollectorServiceGrpc.CollectorServiceStub stub() {
    return GrpcEvents.withKey(CollectorServiceGrpc.newStub(channel), Fixtures.WRITE_KEY)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Test
  void aLongStreamReleasesRecordsAsTheyAreAcknowledgedAndReadsNoFasterThanItsWindow() throws Exception {
    collector.sink.mode = FakeSink.Mode.HOLD;
    GrpcEvents.Answer answer = new GrpcEvents.Answer();
    StreamObserver<EventBatch> requests = stub().sendStream(answer);
    Set<String> ids = new HashSet<>();
    long messageBytes = 0;
    for (int b = 0; b < 40; b++) {
      EventBatch batch = batch(100, ids);
      messageBytes = Math.max(messageBytes, batch.getSerializedSize());
      requests.onNext(batch);
    }
    requests.onCompleted();

    long mostHeldByKafka = 0;
    for (int round = 0; round < 10_000 && !answer.result.isDone(); round++) {
      mostHeldByKafka = Math.max(mostHeldByKafka, collector.sink.heldBytes());
      assertThat(collector.budget.reservedBytes()).isLessThanOrEqualTo(BUDGET.toBytes());
      collector.sink.acknowledgeHeld();
    }

    BatchResult result = answer.result.get(5, TimeUnit.SECONDS);
    assertThat(result.getAccepted()).isEqualTo(4000);
    assertThat(result.getResultsList()).extracting(r -> r.getIndex())
        .containsExactlyElementsOf(IntStream.range(0, 4000).boxed().toList());
    assertThat(rawEventIds()).isEqualTo(ids);
    long streamRecords = collector.sink.records.stream().mapToLong(r -> r.value().length).sum();
    assertThat(streamRecords).as("the stream's records are more than the whole budget")
        .isGreaterThan(BUDGET.toBytes());
    assertThat(mostHeldByKafka).as("records awaiting acks at once: the window and the message read past it")
        .isLessThanOrEqualTo(WINDOW.toBytes() + 2 * messageBytes);
    assertThat(collector.budget.peakBytes()).isLessThanOrEqualTo(BUDGET.toBytes());
    assertThat(collector.budget.reservedBytes()).isZero();
  }

  @Test
  void pastTheBudgetACallIsResourceExhaustedAndEveryOkEventIsInKafka() throws Exception {
    collector.sink.mode = FakeSink.Mode.HOLD;
    Map<GrpcEvents.Answer, Set<String>> waiting = new LinkedHashMap<>();
    GrpcEvents.Answer refused = null;
    for (int i = 0; i < 200 && refused == null; i++) {
      Set<String> ids = new HashSet<>();
      GrpcEvents.Answer answer = new GrpcEvents.Answer();
      stub().sendBatch(batch(100, ids), answer);
      if (answer.result.isDone()) {
        refused = answer;
      } else {
        waiting.put(answer, ids);
      }
    }

    assertThat(refused).as("a broker that does not acknowledge fills the budget").isNotNull();
    assertThat(waiting).isNotEmpty();
    assertResourceExhausted(refused);
    assertThat(collector.registry.get("millrace.collector.memory.refusals").tag("transport", "grpc")
        .counter().count()).isEqualTo(1.0);

    collector.sink.acknowledgeHeld();

    Set<String> inKafka = rawEventIds();
    for (var entry : waiting.entrySet()) {
      assertThat(entry.getKey().result.get(5, TimeUnit.SECONDS).getAccepted()).isEqualTo(100);
      assertThat(inKafka).as("OK means every accepted event is in Kafka").containsAll(entry.getValue());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> collector.budget.reservedBytes() == 0);
    assertThat(collector.budget.peakBytes()).isLessThanOrEqualTo(BUDGET.toBytes());
  }

  @Test
  void aCallWaitingForAMessageHoldsRoomForOneAndGivesItBackWhenCancelled() throws Exception {
    // grpc assembles a whole message before the service sees it, so room for the largest is
    // reserved before the message is asked for: 8 open streams take the 2 MB budget.
    List<StreamObserver<EventBatch>> open = new ArrayList<>();
    List<GrpcEvents.Answer> answers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      GrpcEvents.Answer answer = new GrpcEvents.Answer();
      open.add(stub().sendStream(answer));
      answers.add(answer);
    }
    assertThat(collector.budget.reservedBytes()).isEqualTo(8 * MAX_MESSAGE.toBytes());
    assertThat(answers).noneMatch(a -> a.result.isDone());

    GrpcEvents.Answer ninth = new GrpcEvents.Answer();
    StreamObserver<EventBatch> stream = stub().sendStream(ninth);
    stream.onNext(batch(1, new HashSet<>()));
    GrpcEvents.Answer unary = new GrpcEvents.Answer();
    stub().sendBatch(batch(1, new HashSet<>()), unary);

    assertResourceExhausted(ninth);
    assertResourceExhausted(unary);
    assertThat(collector.sink.records).as("nothing of a refused call was read").isEmpty();

    for (StreamObserver<EventBatch> o : open) {
      ((ClientCallStreamObserver<EventBatch>) o).cancel("the client goes away", null);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> collector.budget.reservedBytes() == 0);
  }

  @Test
  void aClientThatDisconnectsMidStreamGivesBackEverythingOnceKafkaAnswers() throws Exception {
    collector.sink.mode = FakeSink.Mode.HOLD;
    for (boolean acknowledged : new boolean[] {true, false}) {
      GrpcEvents.Answer answer = new GrpcEvents.Answer();
      StreamObserver<EventBatch> requests = stub().sendStream(answer);
      requests.onNext(batch(100, new HashSet<>()));
      requests.onNext(batch(100, new HashSet<>()));
      long held = collector.sink.heldBytes();
      assertThat(held).isPositive();

      ((ClientCallStreamObserver<EventBatch>) requests).cancel("the client goes away", null);

      assertThatThrownBy(() -> answer.result.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
      // the records are still the producer's until Kafka answers for them
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.budget.reservedBytes() <= 2 * held);
      assertThat(collector.budget.reservedBytes()).isGreaterThanOrEqualTo(held);
      if (acknowledged) {
        collector.sink.acknowledgeHeld();
      } else {
        collector.sink.failHeld();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.budget.reservedBytes() == 0);
    }
  }

  @Test
  void aStreamWhoseAnswersOutgrowTheBudgetIsResourceExhausted() throws Exception {
    // Kafka acknowledges at once; what the stream keeps is one answer per event until it ends.
    GrpcEvents.Answer answer = new GrpcEvents.Answer();
    StreamObserver<EventBatch> requests = stub().sendStream(answer);
    for (int b = 0; b < 40 && !answer.result.isDone(); b++) {
      requests.onNext(small(1000));
    }
    requests.onCompleted();

    assertResourceExhausted(answer);
    await().atMost(Duration.ofSeconds(10)).until(() -> collector.budget.reservedBytes() == 0);
    assertThat(collector.budget.peakBytes()).isLessThanOrEqualTo(BUDGET.toBytes());
  }

  private static void assertResourceExhausted(GrpcEvents.Answer answer) {
    assertThatThrownBy(() -> answer.result.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getStatus().getDescription()).contains("memory budget");
        });
  }

  /** About 1 KB per event. */
  private static EventBatch batch(int events, Set<String> ids) {
    EventBatch.Builder b = EventBatch.newBuilder();
    for (int i = 0; i < events; i++) {
      String id = Fixtures.uuid();
      ids.add(id);
      b.addEvents(GrpcEvents.event(id).toBuilder().setPayloadJson("{\"pad\":\"" + "x".repeat(900) + "\"}"));
    }
    return b.build();
  }

  private static EventBatch small(int events) {
    EventBatch.Builder b = EventBatch.newBuilder();
    for (int i = 0; i < events; i++) {
      Event e = GrpcEvents.event(Fixtures.uuid());
      b.addEvents(e);
    }
    return b.build();
  }

  private Set<String> rawEventIds() {
    Set<String> ids = new HashSet<>();
    collector.sink.on("raw").forEach(r -> {
      try {
        ids.add(RawEvent.parseFrom(r.value()).getEvent().getEventId());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    return ids;
  }
}
