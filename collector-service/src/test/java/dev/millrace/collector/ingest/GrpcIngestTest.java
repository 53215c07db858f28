package dev.millrace.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.collector.config.CollectorProperties;
import dev.millrace.collector.testing.FakeSink;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.testing.GrpcEvents;
import dev.millrace.collector.testing.TestCollector;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.CollectorServiceGrpc;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EventBatch;
import dev.millrace.proto.v1.EventStatus;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Transport;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** The gRPC edge in-process with Kafka faked: status codes and per-event answers. */
class GrpcIngestTest {

  private final TestCollector collector = new TestCollector(Fixtures.properties(
      Fixtures.limits(3, DataSize.ofKilobytes(64)), List.of()));
  private final String name = InProcessServerBuilder.generateName();
  private final Server server;
  private final ManagedChannel channel;

  GrpcIngestTest() throws Exception {
    server = InProcessServerBuilder.forName(name).directExecutor().addService(collector.grpc).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void close() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private CollectorServiceGrpc.CollectorServiceBlockingStub blocking() {
    return GrpcEvents.withKey(CollectorServiceGrpc.newBlockingStub(channel), Fixtures.WRITE_KEY)
        .withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private CollectorServiceGrpc.CollectorServiceStub async() {
    return GrpcEvents.withKey(CollectorServiceGrpc.newStub(channel), Fixtures.WRITE_KEY)
        .withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  @Test
  void aMixedBatchIsAnsweredPerEvent() throws Exception {
    String id = Fixtures.uuid();
    BatchResult result = blocking().sendBatch(GrpcEvents.batch(GrpcEvents.event(id),
        GrpcEvents.event(Fixtures.uuid()).toBuilder().setPayloadJson("[]").build()));

    assertThat(result.getAccepted()).isEqualTo(1);
    assertThat(result.getRejected()).isEqualTo(1);
    assertThat(result.getResults(0).getStatus()).isEqualTo(EventStatus.EVENT_STATUS_ACCEPTED);
    assertThat(result.getResults(1).getReason()).isEqualTo(ReasonCode.PAYLOAD_NOT_OBJECT);
    RawEvent raw = RawEvent.parseFrom(collector.sink.on("raw").get(0).value());
    assertThat(raw.getEvent()).isEqualTo(GrpcEvents.event(id));
    assertThat(raw.getMetadata().getTransport()).isEqualTo(Transport.TRANSPORT_GRPC);
    assertThat(raw.getMetadata().getWriteKeyId()).isEqualTo(Fixtures.WRITE_KEY_ID);
    assertThat(raw.getMetadata().getRequestId()).isEqualTo(result.getRequestId());
    DeadLetter letter = DeadLetter.parseFrom(collector.sink.on("dead").get(0).value());
    assertThat(letter.getOriginal()).isEqualTo(
        GrpcEvents.event(result.getResults(1).getEventId()).toBuilder().setPayloadJson("[]").build().toByteString());
  }

  @Test
  void aCallWithoutAValidKeyIsUnauthenticated() {
    var stub = CollectorServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);

    assertThatThrownBy(() -> stub.sendBatch(GrpcEvents.batch(GrpcEvents.event(Fixtures.uuid()))))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> GrpcEvents.withKey(stub, "guess").sendBatch(GrpcEvents.batch(GrpcEvents.event(Fixtures.uuid()))))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(collector.sink.records).isEmpty();
  }

  @Test
  void aMessageThatDoesNotDecodeIsInvalidArgument() {
    byte[] valid = GrpcEvents.batch(GrpcEvents.event(Fixtures.uuid())).toByteArray();
    byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 5);
    byte[] invalidUtf8 = valid.clone();
    invalidUtf8[valid.length - 3] = (byte) 0xff;

    for (byte[] message : List.of(truncated, invalidUtf8)) {
      assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(
          io.grpc.ClientInterceptors.intercept(channel, keyHeader()), dev.millrace.collector.testing.RawGrpc.sendBatch(),
          io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), message))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThat(collector.sink.records).isEmpty();
  }

  private static io.grpc.ClientInterceptor keyHeader() {
    io.grpc.Metadata md = new io.grpc.Metadata();
    md.put(io.grpc.Metadata.Key.of("x-millrace-write-key", io.grpc.Metadata.ASCII_STRING_MARSHALLER), Fixtures.WRITE_KEY);
    return io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md);
  }

  @Test
  void anEmptyBatchIsInvalidArgument() {
    assertThatThrownBy(() -> blocking().sendBatch(EventBatch.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void aBatchOverTheLimitIsResourceExhausted() {
    EventBatch four = GrpcEvents.batch(GrpcEvents.event(Fixtures.uuid()), GrpcEvents.event(Fixtures.uuid()),
        GrpcEvents.event(Fixtures.uuid()), GrpcEvents.event(Fixtures.uuid()));

    assertThatThrownBy(() -> blocking().sendBatch(four))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(collector.sink.records).isEmpty();
  }

  @Test
  void whenKafkaCannotTakeItTheCallIsUnavailable() {
    for (FakeSink.Mode mode : new FakeSink.Mode[] {FakeSink.Mode.REFUSE_AT_ONCE, FakeSink.Mode.FAIL_LATER}) {
      collector.sink.mode = mode;
      assertThatThrownBy(() -> blocking().sendBatch(GrpcEvents.batch(GrpcEvents.event(Fixtures.uuid()))))
          .as(mode.name())
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void aStreamIsAnsweredOnceWithIndexesAcrossItsBatches() throws Exception {
    GrpcEvents.Answer answer = new GrpcEvents.Answer();
    StreamObserver<EventBatch> requests = async().sendStream(answer);
    requests.onNext(GrpcEvents.batch(GrpcEvents.event(Fixtures.uuid()), GrpcEvents.event(Fixtures.uuid())));
    requests.onNext(GrpcEvents.batch(GrpcEvents.event("bad"), GrpcEvents.event(Fixtures.uuid())));
    requests.onCompleted();

    BatchResult result = answer.result.get(5, TimeUnit.SECONDS);
    assertThat(result.getResultsList()).extracting(r -> r.getIndex()).containsExactly(0, 1, 2, 3);
    assertThat(result.getAccepted()).isEqualTo(3);
    assertThat(result.getResults(2).getReason()).isEqualTo(ReasonCode.INVALID_EVENT_ID);
    assertThat(collector.sink.on("raw")).extracting(r -> RawEvent.parseFrom(r.value()).getMetadata().getBatchIndex())
        .containsExactly(0, 1, 3);
  }

  @Test
  void aStreamOverItsEventLimitIsResourceExhausted() {
    CollectorProperties props = Fixtures.properties(new CollectorProperties.Limits(DataSize.ofMegabytes(1), 3, 4,
        DataSize.ofKilobytes(64), 256, 8, java.time.Duration.ofMinutes(10), java.time.Duration.ofDays(30)), List.of());
    TestCollector small = new TestCollector(props);
    String other = InProcessServerBuilder.generateName();
    try {
      Server s = InProcessServerBuilder.forName(other).directExecutor().addService(small.grpc).build().start();
      ManagedChannel c = InProcessChannelBuilder.forName(other).directExecutor().build();
      GrpcEvents.Answer answer = new GrpcEvents.Answer();
      StreamObserver<EventBatch> requests = GrpcEvents.withKey(CollectorServiceGrpc.newStub(c), Fixtures.WRITE_KEY)
          .withDeadlineAfter(5, TimeUnit.SECONDS).sendStream(answer);
      requests.onNext(GrpcEvents.batch(GrpcEvents.event(Fixtures.uuid()), GrpcEvents.event(Fixtures.uuid())));
      requests.onNext(GrpcEvents.batch(GrpcEvents.event(Fixtures.uuid()), GrpcEvents.event(Fixtures.uuid()),
          GrpcEvents.event(Fixtures.uuid())));
      requests.onCompleted();

      assertThatThrownBy(() -> answer.result.get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
      c.shutdownNow();
      s.shutdownNow();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
