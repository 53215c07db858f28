package dev.millrace.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.collector.testing.TestCollector;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The server the lifecycle runs: health follows Kafka, reflection lists the collector service. */
class GrpcServerTest {

  @Test
  void healthFollowsKafkaAndReflectionListsTheService() throws Exception {
    String name = InProcessServerBuilder.generateName();
    HealthStatusManager health = new HealthStatusManager();
    GrpcServer server = new GrpcServer(InProcessServerBuilder.forName(name).directExecutor()
        .addService(new TestCollector().grpc)
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance()), health, Duration.ofSeconds(1));
    server.start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      var healthStub = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
      HealthCheckRequest collector = HealthCheckRequest.newBuilder().setService("millrace.v1.CollectorService").build();

      server.serving(true);
      assertThat(healthStub.check(collector).getStatus()).isEqualTo(ServingStatus.SERVING);
      server.serving(false);
      assertThat(healthStub.check(collector).getStatus()).isEqualTo(ServingStatus.NOT_SERVING);

      CompletableFuture<ServerReflectionResponse> listed = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> reflection = ServerReflectionGrpc.newStub(channel)
          .withDeadlineAfter(5, TimeUnit.SECONDS).serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse value) {
              listed.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              listed.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
          });
      reflection.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
      reflection.onCompleted();
      assertThat(listed.get(5, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
          .extracting(ServiceResponse::getName).contains("millrace.v1.CollectorService", "grpc.health.v1.Health");
    } finally {
      channel.shutdownNow();
      server.stop();
    }
    assertThat(server.isRunning()).isFalse();
  }
}
