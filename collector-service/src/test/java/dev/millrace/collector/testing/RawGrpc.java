package dev.millrace.collector.testing;

import dev.millrace.proto.v1.CollectorServiceGrpc;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** CollectorService methods with raw bytes as requests, to send what no stub would. */
public final class RawGrpc {

  private RawGrpc() {}

  public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  public static MethodDescriptor<byte[], byte[]> sendBatch() {
    return CollectorServiceGrpc.getSendBatchMethod().toBuilder(BYTES, BYTES).build();
  }

  public static MethodDescriptor<byte[], byte[]> sendStream() {
    return CollectorServiceGrpc.getSendStreamMethod().toBuilder(BYTES, BYTES).build();
  }
}
