package dev.millrace.localrun;

import dev.millrace.producer.run.Delivery;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.EventStatus;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** What the collector answered the demo: the distinct ids it accepted and how many events it refused. */
public final class DemoTally implements Consumer<Delivery> {

  private final Set<String> acceptedIds = ConcurrentHashMap.newKeySet();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  @Override
  public void accept(Delivery delivery) {
    if (delivery.failed()) {
      failed.addAndGet(delivery.events().size());
      return;
    }
    for (EventResult result : delivery.result().getResultsList()) {
      if (result.getStatus() == EventStatus.EVENT_STATUS_ACCEPTED) {
        accepted.incrementAndGet();
        acceptedIds.add(delivery.events().get(result.getIndex()).eventId());
      } else {
        rejected.incrementAndGet();
      }
    }
  }

  public long accepted() { return accepted.get(); }
  public long distinctAccepted() { return acceptedIds.size(); }
  public long rejected() { return rejected.get(); }
  /** Events whose request got no answer (they may or may not be in Kafka). */
  public long failed() { return failed.get(); }
}
