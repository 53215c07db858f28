package dev.millrace.collector.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.collector.CollectorApplication;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.CollectorServiceGrpc;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventBatch;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStackExtension;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The promise under a broker outage: while Kafka is down new requests get 503 (and readiness is
 * down), and every event that got a 2xx — before, during or after — is in the raw topic.
 */
@ExtendWith(LocalStackExtension.class)
class BrokerOutageIT {

  @Test
  void everyEventThatGotA2xxIsInKafkaAfterTheBrokerReturns(KafkaServer kafka) throws Exception {
    String topics = "outage-it-" + UUID.randomUUID().toString().substring(0, 8);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger unavailable = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    try (CollectorApplication.Running collector = ItSupport.collector(kafka, topics, Map.of())) {
      List<Thread> senders = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        Thread sender = new Thread(() -> {
          while (running.get()) {
            List<String> ids = List.of(id(), id(), id());
            String body = "[" + ids.stream().map(ItSupport::event).collect(Collectors.joining(",")) + "]";
            try {
              HttpResponse<String> r = ItSupport.post(collector, body.getBytes(StandardCharsets.UTF_8));
              if (r.statusCode() == 200) {
                acknowledged.addAll(ids);
              } else if (r.statusCode() == 503) {
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                unavailable.incrementAndGet();
              } else {
                other.incrementAndGet();
              }
            } catch (Exception e) {
              other.incrementAndGet();
            }
          }
        }, "sender-" + t);
        sender.start();
        senders.add(sender);
      }

      waitFor(() -> acknowledged.size() >= 150, "events accepted before the outage");
      kafka.stop();
      waitFor(() -> readiness(collector) == 503, "readiness down while Kafka is stopped");
      int before = unavailable.get();
      waitFor(() -> unavailable.get() >= before + 10, "503s while Kafka is stopped");
      assertThatThrownBy(() -> grpc(collector).sendBatch(EventBatch.newBuilder().addEvents(event(id())).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

      kafka.start();
      waitFor(() -> readiness(collector) == 200, "readiness up once Kafka is back");
      int after = acknowledged.size();
      waitFor(() -> acknowledged.size() >= after + 150, "events accepted after the outage");
      running.set(false);
      for (Thread s : senders) {
        s.join(60_000);
      }

      assertThat(other.get()).as("only 200 and 503 are answered").isZero();
      List<ConsumerRecord<String, byte[]>> raw = ItSupport.read(kafka, topics + ".raw", r -> true,
          l -> l.stream().map(ConsumerRecord::key).collect(Collectors.toSet()).containsAll(acknowledged),
          Duration.ofSeconds(90));
      Set<String> landed = raw.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
      assertThat(acknowledged).isNotEmpty();
      assertThat(landed).as("every event that got a 2xx is in the raw topic").containsAll(acknowledged);
      assertThat(raw.get(0).value()).satisfies(v -> assertThat(RawEvent.parseFrom(v).hasMetadata()).isTrue());
    } finally {
      running.set(false);
      if (!kafka.isRunning()) {
        kafka.start();
      }
    }
  }

  private static int readiness(CollectorApplication.Running collector) {
    try {
      return ItSupport.readiness(collector);
    } catch (Exception e) {
      return -1;
    }
  }

  private static CollectorServiceGrpc.CollectorServiceBlockingStub grpc(CollectorApplication.Running collector) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", collector.grpcPort()).usePlaintext().build();
    Metadata md = new Metadata();
    md.put(Metadata.Key.of(WireNames.WRITE_KEY_GRPC_METADATA, Metadata.ASCII_STRING_MARSHALLER), ItSupport.WRITE_KEY);
    return CollectorServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static Event event(String id) {
    return Event.newBuilder().setEventId(id).setEventType("app_open").setSchemaVersion("1-0-0")
        .setOccurredAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
        .setPayloadJson("{}").build();
  }

  /** Polls (this is a wait with a generous bound, not a timing assertion). */
  private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.sleep(100);
    }
  }

  private static String id() {
    return UUID.randomUUID().toString();
  }
}
