package dev.millrace.enricher.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class StreamThreadFailuresTest {

  private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
  private final StreamThreadFailures failures = new StreamThreadFailures(now::get);

  private static Throwable storeFailure() {
    return new StreamsException("task 0_0 failed", new ProcessorStateException("pending store unreadable"));
  }

  @Test
  void aFailureThatStaysIsReplacedAFewTimesThenStopsTheClientInsteadOfLooping() {
    List<StreamThreadExceptionResponse> responses = new ArrayList<>();
    for (int i = 0; i < 10; i++) { // a new thread that fails at once, again and again
      responses.add(failures.handle(storeFailure()));
      now.addAndGet(100);
    }
    assertThat(responses.subList(0, StreamThreadFailures.MAX_REPLACEMENTS)).containsOnly(REPLACE_THREAD);
    assertThat(responses.get(StreamThreadFailures.MAX_REPLACEMENTS)).isEqualTo(SHUTDOWN_CLIENT);
    assertThat(responses).filteredOn(r -> r == REPLACE_THREAD).hasSize(StreamThreadFailures.MAX_REPLACEMENTS);
    assertThat(failures.fatal()).hasRootCauseMessage("pending store unreadable");
  }

  @Test
  void failuresFarApartAreEachReplaced() {
    for (int i = 0; i < 10; i++) {
      assertThat(failures.handle(storeFailure())).isEqualTo(REPLACE_THREAD);
      now.addAndGet(StreamThreadFailures.WINDOW.toMillis() / StreamThreadFailures.MAX_REPLACEMENTS + 1);
    }
    assertThat(failures.fatal()).isNull();
  }

  @Test
  void aVirtualMachineErrorStopsTheClientAtOnce() {
    assertThat(failures.handle(new StreamsException(new OutOfMemoryError("heap")))).isEqualTo(SHUTDOWN_CLIENT);
  }

  @Test
  void theServiceUsesItAndItsHealthIsDownWithTheFailureOnceItStopped() {
    EnricherStreams streams = new EnricherStreams(new Topology(), new Properties(), Duration.ofSeconds(1),
        new SimpleMeterRegistry(), failures);
    assertThat(streams.failures()).isSameAs(failures);
    assertThat(new EnricherStreams(new Topology(), new Properties(), Duration.ofSeconds(1), new SimpleMeterRegistry())
        .failures()).isInstanceOf(StreamThreadFailures.class);
    StreamsHealthIndicator health = new StreamsHealthIndicator(streams);
    assertThat(health.health().getDetails()).doesNotContainKey("failure");

    while (failures.handle(storeFailure()) == REPLACE_THREAD) {
      now.addAndGet(1);
    }
    Health down = health.health();
    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
    assertThat(down.getDetails().get("failure").toString())
        .contains("StreamsException: task 0_0 failed")
        .contains("caused by org.apache.kafka.streams.errors.ProcessorStateException: pending store unreadable");
  }
}
