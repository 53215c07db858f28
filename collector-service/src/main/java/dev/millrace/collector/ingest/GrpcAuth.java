package dev.millrace.collector.ingest;

import dev.millrace.collector.auth.WriteKeys;
import dev.millrace.proto.WireNames;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * Authenticates every call by its {@code x-millrace-write-key} metadata and records who called
 * from where in the gRPC {@link Context}; an unknown or missing key ends the call UNAUTHENTICATED
 * before any message is read.
 */
public final class GrpcAuth implements ServerInterceptor {

  static final Context.Key<String> WRITE_KEY_ID = Context.key("millrace-write-key-id");
  static final Context.Key<String> CLIENT_IP = Context.key("millrace-client-ip");

  private static final Metadata.Key<String> WRITE_KEY =
      Metadata.Key.of(WireNames.WRITE_KEY_GRPC_METADATA, Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> FORWARDED_FOR =
      Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);

  private final WriteKeys writeKeys;
  private final ClientIps clientIps;

  public GrpcAuth(WriteKeys writeKeys, ClientIps clientIps) {
    this.writeKeys = writeKeys;
    this.clientIps = clientIps;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                     ServerCallHandler<Q, R> next) {
    Optional<String> keyId = writeKeys.authenticate(headers.get(WRITE_KEY));
    if (keyId.isEmpty()) {
      call.close(Status.UNAUTHENTICATED.withDescription(
          "a valid " + WireNames.WRITE_KEY_GRPC_METADATA + " metadata entry is required"), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String peer = remote instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress() : "";
    Iterable<String> forwarded = headers.getAll(FORWARDED_FOR);
    String clientIp = clientIps.resolve(peer, forwarded == null ? null : String.join(",", forwarded));
    Context context = Context.current()
        .withValue(WRITE_KEY_ID, keyId.get())
        .withValue(CLIENT_IP, clientIp);
    return Contexts.interceptCall(context, call, headers, next);
  }
}
