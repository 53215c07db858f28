package dev.millrace.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.collector.config.CollectorProperties;
import dev.millrace.collector.config.PartitionKey;
import dev.millrace.collector.memory.MemoryBudget;
import dev.millrace.collector.testing.FakeSink;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.validate.CheckedEvent;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.Transport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class IngestionTest {

  private static List<String> keys(PartitionKey partitionKey, Event... events) {
    CollectorProperties base = Fixtures.properties();
    CollectorProperties props = new CollectorProperties(base.instanceId(), base.writeKeys(),
        base.trustedProxies(), partitionKey, base.maxInFlightBytes(), base.memoryBudget(), base.retryAfter(),
        base.kafkaProbeInterval(), base.topics(), base.limits(), base.grpc(), base.segment(), base.snowplow(),
        base.cors(), base.kafka());
    FakeSink sink = new FakeSink();
    MemoryBudget budget = new MemoryBudget(props.memoryBudget().toBytes());
    Ingestion ingestion = new Ingestion(props, sink, new IngestMetrics(new SimpleMeterRegistry(), sink, budget));
    List<CheckedEvent> checked = new java.util.ArrayList<>();
    for (int i = 0; i < events.length; i++) {
      checked.add(new CheckedEvent(i, events[i].getEventId(), events[i], null, new byte[0]));
    }
    RequestInfo info = new RequestInfo("r", Fixtures.NOW, "", "k", Transport.TRANSPORT_REST);
    try (MemoryBudget.Lease lease = budget.lease()) {
      return ingestion.prepare(info, checked, lease, lease).records().stream().map(ProducerRecord::key).toList();
    }
  }

  private static Event event(String id, String userId, String anonymousId) {
    return Event.newBuilder().setEventId(id).setSource("web")
        .setContext(Context.newBuilder().setUserId(userId).setAnonymousId(anonymousId)).build();
  }

  @Test
  void thePartitionKeyIsTheConfiguredFieldWithFallbacks() {
    Event both = event("e1", "user", "device");
    Event anonymous = event("e2", "", "device");
    Event neither = event("e3", "", "");

    assertThat(keys(PartitionKey.EVENT_ID, both, anonymous, neither)).containsExactly("e1", "e2", "e3");
    assertThat(keys(PartitionKey.USER_ID, both, anonymous, neither)).containsExactly("user", "device", "e3");
    assertThat(keys(PartitionKey.ANONYMOUS_ID, both, event("e4", "user", ""), neither))
        .containsExactly("device", "user", "e3");
    assertThat(keys(PartitionKey.SOURCE, both)).containsExactly("web");
  }
}
