package dev.millrace.collector.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.testing.RawGrpc;
import dev.millrace.collector.testing.TestCollector;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Any bytes as a SendBatch message get OK or a client-fault status (INVALID_ARGUMENT,
 * RESOURCE_EXHAUSTED), never INTERNAL/UNKNOWN or an escaping exception. Seeds in
 * GrpcMessageFuzzTestInputs/; {@code JAZZER_FUZZ=1} fuzzes.
 */
class GrpcMessageFuzzTest {

  private static final TestCollector COLLECTOR = new TestCollector();
  private static final Channel CHANNEL = start();
  private static final Set<Status.Code> CLIENT_FAULTS =
      Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.RESOURCE_EXHAUSTED);

  private static Channel start() {
    String name = InProcessServerBuilder.generateName();
    try {
      InProcessServerBuilder.forName(name).directExecutor().addService(COLLECTOR.grpc).build().start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("x-millrace-write-key", Metadata.ASCII_STRING_MARSHALLER), Fixtures.WRITE_KEY);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  @FuzzTest(maxDuration = "2m")
  void anyMessageIsAnsweredWithoutAnInternalError(byte[] message) {
    // The call's deadline bounds one input (not @Timeout: jazzer-junit 0.30.0 under Maven lets JUnit
    // apply it to the whole fuzzing run, CodeIntelligenceTesting/jazzer#1060).
    try {
      byte[] answer = ClientCalls.blockingUnaryCall(CHANNEL, RawGrpc.sendBatch(),
          CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), message);
      assertThat(answer).isNotNull();
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isIn(CLIENT_FAULTS)
          .isNotEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
    COLLECTOR.sink.records.clear();
  }
}
