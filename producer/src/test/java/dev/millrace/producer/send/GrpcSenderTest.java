package dev.millrace.producer.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.CollectorServiceGrpc;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventBatch;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.EventStatus;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GrpcSenderTest {

  static final io.grpc.Context.Key<String> WRITE_KEY = io.grpc.Context.key("write-key");

  /** Accepts every event and echoes the write key it saw as the request id. */
  static final class EchoCollector extends CollectorServiceGrpc.CollectorServiceImplBase {
    final List<Integer> streamMessages = new ArrayList<>();

    @Override
    public void sendBatch(EventBatch request, StreamObserver<BatchResult> response) {
      response.onNext(accept(request.getEventsList()));
      response.onCompleted();
    }

    @Override
    public StreamObserver<EventBatch> sendStream(StreamObserver<BatchResult> response) {
      List<Event> all = new ArrayList<>();
      return new StreamObserver<>() {
        @Override public void onNext(EventBatch batch) {
          streamMessages.add(batch.getEventsCount());
          all.addAll(batch.getEventsList());
        }
        @Override public void onError(Throwable t) {}
        @Override public void onCompleted() {
          response.onNext(accept(all));
          response.onCompleted();
        }
      };
    }

    private static BatchResult accept(List<Event> events) {
      BatchResult.Builder result = BatchResult.newBuilder().setRequestId(WRITE_KEY.get()).setAccepted(events.size());
      IntStream.range(0, events.size()).forEach(i -> result.addResults(EventResult.newBuilder()
          .setIndex(i).setEventId(events.get(i).getEventId()).setStatus(EventStatus.EVENT_STATUS_ACCEPTED)));
      return result.build();
    }
  }

  static final ServerInterceptor READ_KEY = new ServerInterceptor() {
    @Override
    public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call, Metadata headers,
                                                              io.grpc.ServerCallHandler<Q, A> next) {
      String key = headers.get(Metadata.Key.of(WireNames.WRITE_KEY_GRPC_METADATA, Metadata.ASCII_STRING_MARSHALLER));
      if (key == null) {
        call.close(Status.UNAUTHENTICATED.withDescription("no write key"), new Metadata());
        return new io.grpc.ServerCall.Listener<>() {};
      }
      return Contexts.interceptCall(io.grpc.Context.current().withValue(WRITE_KEY, key), call, headers, next);
    }
  };

  private Server server;
  private ManagedChannel channel;
  private final EchoCollector collector = new EchoCollector();

  private GrpcSender start(GrpcSender.Mode mode, io.grpc.BindableService service) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service, READ_KEY)).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return new GrpcSender(channel, "in-process", "wk_secret", mode, Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private static List<Event> events(int n) {
    return IntStream.range(0, n).mapToObj(i -> Event.newBuilder().setEventId("e" + i).build()).toList();
  }

  @Test
  void aBatchCarriesTheWriteKeyAndGetsOneResultPerEvent() throws Exception {
    BatchResult result = start(GrpcSender.Mode.BATCH, collector).send(events(3));
    assertThat(result.getRequestId()).as("write key seen by the collector").isEqualTo("wk_secret");
    assertThat(result.getResultsList()).extracting(EventResult::getEventId).containsExactly("e0", "e1", "e2");
  }

  @Test
  void streamModeSendsTheBatchInChunksOverOneStream() throws Exception {
    BatchResult result = start(GrpcSender.Mode.STREAM, collector).send(events(60));
    assertThat(result.getAccepted()).isEqualTo(60);
    assertThat(collector.streamMessages).containsExactly(25, 25, 10);
  }

  @Test
  void aFailedCallIsASendExceptionNamedByItsStatus() throws Exception {
    GrpcSender sender = start(GrpcSender.Mode.BATCH, new CollectorServiceGrpc.CollectorServiceImplBase() {
      @Override
      public void sendBatch(EventBatch request, StreamObserver<BatchResult> response) {
        response.onError(Status.UNAVAILABLE.withDescription("kafka unreachable").asRuntimeException());
      }
    });
    assertThatThrownBy(() -> sender.send(events(1)))
        .isInstanceOf(SendException.class)
        .hasMessageContaining("UNAVAILABLE: kafka unreachable")
        .extracting(e -> ((SendException) e).kind()).isEqualTo("grpc UNAVAILABLE");
  }
}
