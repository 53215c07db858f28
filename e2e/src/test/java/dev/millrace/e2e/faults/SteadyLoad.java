package dev.millrace.e2e.faults;

import dev.millrace.producer.send.EventSender;
import dev.millrace.producer.traffic.GeneratedEvent;
import dev.millrace.producer.traffic.TrafficGenerator;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.EventResult;
import dev.millrace.proto.v1.EventStatus;
import dev.millrace.proto.v1.ReasonCode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A producer that keeps sending while the faults happen: a batch every {@code period}, alternating
 * its senders (REST and gRPC), one request at a time, never retrying. Only what the collector
 * answered counts: a request that failed (connection refused, 503, time-out) is recorded as
 * unanswered and its events are owed nothing.
 */
final class SteadyLoad implements AutoCloseable {

  /** The collector's answer for one event of a request that got an answer. */
  record Answer(String eventId, boolean accepted, ReasonCode reason, Instant sentAt) {}

  private final TrafficGenerator traffic;
  private final List<EventSender> senders;
  private final int batch;
  private final Duration period;
  private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
  private final AtomicLong unansweredRequests = new AtomicLong();
  private final AtomicLong unansweredEvents = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable crashed;

  SteadyLoad(TrafficGenerator traffic, List<EventSender> senders, int batch, Duration period) {
    this.traffic = traffic;
    this.senders = senders;
    this.batch = batch;
    this.period = period;
    this.thread = new Thread(this::run, "fault-suite-load");
    this.thread.setDaemon(true);
  }

  SteadyLoad start() {
    thread.start();
    return this;
  }

  private void run() {
    long n = 0;
    try {
      while (running) {
        long began = System.nanoTime();
        List<GeneratedEvent> events = traffic.next(batch);
        EventSender sender = senders.get((int) (n++ % senders.size()));
        Instant sentAt = Instant.now();
        try {
          BatchResult result = sender.send(events.stream().map(GeneratedEvent::event).toList());
          for (EventResult r : result.getResultsList()) {
            answers.add(new Answer(events.get(r.getIndex()).eventId(),
                r.getStatus() == EventStatus.EVENT_STATUS_ACCEPTED, r.getReason(), sentAt));
          }
        } catch (Exception refusedOrDown) {
          unansweredRequests.incrementAndGet();
          unansweredEvents.addAndGet(events.size());
        }
        long left = period.toNanos() - (System.nanoTime() - began);
        if (left > 0) {
          Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      crashed = t;
    }
  }

  List<Answer> answers() {
    return List.copyOf(answers);
  }

  long unansweredRequests() {
    return unansweredRequests.get();
  }

  long unansweredEvents() {
    return unansweredEvents.get();
  }

  /** The ids of the events accepted in a request sent in {@code [from, to)}. */
  List<String> acceptedBetween(Instant from, Instant to) {
    return answers.stream().filter(a -> a.accepted() && !a.sentAt().isBefore(from) && a.sentAt().isBefore(to))
        .map(Answer::eventId).toList();
  }

  /** The id of the first event accepted at or after {@code since}, if one is yet. */
  String firstAcceptedSince(Instant since) {
    for (Answer a : answers) {
      if (a.accepted() && !a.sentAt().isBefore(since)) {
        return a.eventId();
      }
    }
    return null;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(Duration.ofMinutes(1).toMillis());
    senders.forEach(EventSender::close);
    if (crashed != null) {
      throw new IllegalStateException("the load generator crashed", crashed);
    }
  }
}
