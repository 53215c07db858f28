package dev.millrace.batch.consume;

import dev.millrace.batch.config.BatchProperties;
import dev.millrace.proto.DeadLetters;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Stage;
import dev.millrace.retry.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records that are not an {@code EnrichedEvent} to the dead-letter topic, without ever waiting
 * for the broker: a dead letter holds its partition's commit at its record until acknowledged
 * ({@link PartitionState#committable()}); a retriable failure is sent again after a backoff; a
 * dead letter refused for good stops its partition (see {@link #stop}).
 */
final class DeadLetterSender {

  private static final Logger log = LoggerFactory.getLogger(DeadLetterSender.class);

  private final BatchProperties props;
  private final Producer<String, byte[]> producer;
  private final Clock clock;
  private final Backoff.Tracker backoff;
  private final TurnBudget turn;
  private final LoaderMetrics metrics;
  private final Map<TopicPartition, PartitionState> states;
  private final long timeoutMillis;
  private volatile String trouble;
  private volatile String failure;

  DeadLetterSender(BatchProperties props, Producer<String, byte[]> producer, Clock clock,
                   Backoff.Tracker backoff, TurnBudget turn, LoaderMetrics metrics,
                   Map<TopicPartition, PartitionState> states) {
    this.props = props;
    this.producer = producer;
    this.clock = clock;
    this.backoff = backoff;
    this.turn = turn;
    this.metrics = metrics;
    this.states = states;
    this.timeoutMillis = props.deadLetterTimeout().toMillis();
  }

  /** Why the loader is not ready for now (the dead-letter topic failing), or null. */
  String trouble() {
    return trouble;
  }

  /** The partitions stopped on a dead letter refused for good, or null; see {@link #stop}. */
  String failure() {
    return failure;
  }

  /** Dead-letters {@code record} of partition {@code st}, and sends it unless sends must wait. */
  void deadLetter(PartitionState st, ConsumerRecord<String, byte[]> record, String reason) {
    // failed_at to the second, as this loader has always written it.
    DeadLetter.Builder letter = DeadLetters.newBuilder(Stage.STAGE_BATCH_LOADER,
            ReasonCode.LOADER_UNDECODABLE, reason, clock.instant().truncatedTo(ChronoUnit.SECONDS))
        .setOriginal(com.google.protobuf.ByteString.copyFrom(
            record.value() == null ? new byte[0] : record.value()))
        .setSourceTopic(record.topic())
        .setSourcePartition(record.partition())
        .setSourceOffset(record.offset());
    // The value is unreadable, but the enricher's headers say which event it is.
    DeadLetter value = DeadLetters.eventFromHeaders(letter, name -> {
      Header header = record.headers().lastHeader(name);
      return header == null ? null : header.value();
    }).build();
    ProducerRecord<String, byte[]> out =
        new ProducerRecord<>(props.deadLetterTopic(), record.key(), value.toByteArray());
    DeadLetters.headers(value, out.headers()::add);
    log.warn("dead-lettered {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
    PendingDeadLetter pending = new PendingDeadLetter(out, record.offset());
    st.deadLetters.addLast(pending);
    metrics.deadLetters.increment();
    // A send can block (max.block.ms) while the topic's metadata is missing: not while the topic
    // is known to fail, nor past the turn's budget; resend sends it later then.
    if (!backoff.failing() && !turn.over()) {
      send(pending);
    }
  }

  private void send(PendingDeadLetter pending) {
    pending.sentAtMillis = clock.millis();
    try {
      pending.ack = producer.send(pending.record);
    } catch (RuntimeException e) {
      // Thrown rather than reported (serialization, a closed producer): the same as a failed send.
      pending.ack = CompletableFuture.failedFuture(e);
    }
  }

  /** Sends again the dead letters whose last send failed, once the backoff allows. */
  void resend() {
    if (!backoff.ready()) {
      return;
    }
    for (PartitionState st : states.values()) {
      if (st.stopped != null) {
        continue;
      }
      for (PendingDeadLetter pending : st.deadLetters) {
        if (pending.ack == null) {
          if (turn.over()) {
            return;
          }
          send(pending);
        }
      }
    }
  }

  /**
   * Looks at the sends in flight without waiting for any. An acknowledged dead letter releases its
   * offset for the commit. A failure Kafka calls retriable (or no answer within
   * {@code dead-letter-timeout}) is sent again after a backoff. Any other failure (record too
   * large, not authorized, invalid topic, serialization) would fail the same way for ever: the
   * partition stops there, see {@link #stop}.
   */
  void settle(long now) {
    for (PartitionState st : states.values()) {
      if (st.stopped != null) {
        continue;
      }
      for (Iterator<PendingDeadLetter> it = st.deadLetters.iterator(); it.hasNext(); ) {
        PendingDeadLetter pending = it.next();
        if (pending.ack == null) {
          continue;
        }
        if (!pending.ack.isDone()) {
          if (now - pending.sentAtMillis >= timeoutMillis) {
            failed(st, pending, new TimeoutException(
                "not acknowledged within " + props.deadLetterTimeout()));
          }
          continue;
        }
        Throwable failed;
        try {
          pending.ack.get(0, TimeUnit.MILLISECONDS); // done: returns at once
          it.remove();
          backoff.succeeded();
          trouble = null;
          continue;
        } catch (ExecutionException e) {
          failed = e.getCause();
        } catch (CancellationException | TimeoutException e) {
          failed = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (failed instanceof RetriableException || failed instanceof CancellationException) {
          failed(st, pending, failed);
        } else {
          stop(st, pending, failed);
          break;
        }
      }
    }
    updateFailure();
  }

  private void failed(PartitionState st, PendingDeadLetter pending, Throwable cause) {
    pending.ack = null;
    metrics.deadLetterFailures.increment();
    Duration wait = backoff.failed();
    trouble = "dead-letter topic " + props.deadLetterTopic() + " failing: " + cause;
    log.warn("dead letter of {}-{}@{} failed, sending again in {} ms: {}", st.partition.topic(),
        st.partition.partition(), pending.offset, wait.toMillis(), cause.toString());
  }

  /**
   * A dead letter refused for good stops its partition, not the loader: its record and every later
   * one of the partition stay uncommitted (and are read again by the next owner or the next run),
   * nothing is dropped and the dead letter is not sent again; the loader's health goes DOWN naming
   * topic, partition and offset. The other partitions go on loading and committing, and the stopped
   * one stays assigned here, so it does not move on to stop a sibling.
   */
  private void stop(PartitionState st, PendingDeadLetter pending, Throwable cause) {
    metrics.deadLetterFailures.increment();
    st.stopped = "topic " + st.partition.topic() + " partition " + st.partition.partition()
        + " stopped at offset " + pending.offset + ": " + props.deadLetterTopic()
        + " refused the record's dead letter (" + cause + "); nothing from that offset on is"
        + " committed. Fix the cause and restart the loader";
    log.error("{}", st.stopped, cause);
  }

  /** Recomputes {@link #failure()} from the partitions held now (after a settle or a revocation). */
  void updateFailure() {
    String stopped = null;
    for (PartitionState st : states.values()) {
      if (st.stopped != null) {
        stopped = stopped == null ? st.stopped : stopped + "; " + st.stopped;
      }
    }
    failure = stopped;
  }

  /** True while a running partition has dead letters not yet acknowledged. */
  boolean awaiting() {
    return states.values().stream().anyMatch(st -> st.stopped == null && !st.deadLetters.isEmpty());
  }
}
