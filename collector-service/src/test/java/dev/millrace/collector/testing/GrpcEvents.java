package dev.millrace.collector.testing;

import com.google.protobuf.Timestamp;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventBatch;
import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** gRPC-side helpers shared by the unit tests, the fuzz tests and the ITs. */
public final class GrpcEvents {

  private GrpcEvents() {}

  public static Event event(String eventId) {
    return Event.newBuilder().setEventId(eventId).setEventType("page_view").setSchemaVersion("1-0-0")
        .setOccurredAt(Timestamp.newBuilder().setSeconds(Fixtures.NOW.getEpochSecond() - 60))
        .setSource("shop-app")
        .setContext(Context.newBuilder().setAnonymousId("device-1"))
        .setPayloadJson("{\"screen\":\"home\",\"n\":1}")
        .build();
  }

  public static EventBatch batch(Event... events) {
    return EventBatch.newBuilder().addAllEvents(java.util.List.of(events)).build();
  }

  public static <S extends AbstractStub<S>> S withKey(S stub, String key) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of(WireNames.WRITE_KEY_GRPC_METADATA, Metadata.ASCII_STRING_MARSHALLER), key);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
  }

  /** Collects the single answer of a client-streaming call. */
  public static final class Answer implements StreamObserver<BatchResult> {
    public final CompletableFuture<BatchResult> result = new CompletableFuture<>();

    @Override
    public void onNext(BatchResult value) {
      result.complete(value);
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      result.complete(null);
    }
  }
}
