package dev.millrace.collector.ingest;

import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventBatch;
import java.io.InputStream;

/**
 * The collector's gRPC service as the server exposes it: authenticated, and answering a message it
 * cannot decode with INVALID_ARGUMENT. grpc-java turns an exception from the request marshaller into
 * UNKNOWN ("Application error processing RPC"), which tells the client "our fault, maybe retry" for
 * what is the client's fault and never succeeds on retry. So the marshaller does not throw: it
 * returns the {@link #UNDECODABLE} sentinel, which {@link GrpcIngest} answers with INVALID_ARGUMENT.
 * Each call also gets its share of the memory budget ({@link GrpcMemory}).
 */
public final class GrpcDefinition {

  /** Stands for a message that did not decode; recognised by identity, never sent anywhere. */
  static final EventBatch UNDECODABLE = EventBatch.newBuilder()
      .addEvents(Event.newBuilder().setEventId("undecodable")).build();

  private GrpcDefinition() {}

  /** The service behind its interceptors: authentication first, then the call's memory budget. */
  public static ServerServiceDefinition of(GrpcIngest service, GrpcAuth auth) {
    // ServerInterceptors runs the last one first: an unauthenticated call reserves nothing.
    return ServerInterceptors.intercept(invalidArgumentOnUndecodable(service.bindService()),
        service.memoryInterceptor(), auth);
  }

  static ServerServiceDefinition invalidArgumentOnUndecodable(ServerServiceDefinition definition) {
    ServiceDescriptor original = definition.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    java.util.List<ServerMethodDefinition<?, ?>> methods = new java.util.ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
      ServerMethodDefinition<?, ?> wrapped = wrap(method);
      descriptor.addMethod(wrapped.getMethodDescriptor());
      methods.add(wrapped);
    }
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(builder::addMethod);
    return builder.build();
  }

  @SuppressWarnings("unchecked")
  private static <Q, R> ServerMethodDefinition<Q, R> wrap(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> md = method.getMethodDescriptor();
    if (!(md.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> proto)
        || !(proto.getMessagePrototype() instanceof EventBatch)) {
      return method;
    }
    MethodDescriptor.Marshaller<Q> requests = md.getRequestMarshaller();
    MethodDescriptor.Marshaller<Q> checked = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(Q value) {
        return requests.stream(value);
      }

      @Override
      public Q parse(InputStream stream) {
        try {
          return requests.parse(stream);
        } catch (StatusRuntimeException | IllegalArgumentException e) {
          return (Q) UNDECODABLE;
        }
      }
    };
    ServerCallHandler<Q, R> handler = method.getServerCallHandler();
    return ServerMethodDefinition.create(md.toBuilder().setRequestMarshaller(checked).build(), handler);
  }
}
