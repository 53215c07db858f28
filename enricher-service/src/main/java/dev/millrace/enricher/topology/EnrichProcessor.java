package dev.millrace.enricher.topology;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Message;
import dev.millrace.enricher.enrich.Enricher;
import dev.millrace.enricher.enrich.EnrichmentUnavailableException;
import dev.millrace.enricher.enrich.OnUnavailable;
import dev.millrace.enricher.enrich.RetryClock;
import dev.millrace.enricher.schema.PayloadValidator;
import dev.millrace.enricher.schema.Validation;
import dev.millrace.enricher.topology.Outputs.Source;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.views.EnrichItemBytes;
import dev.millrace.proto.views.EnrichResultBytes;
import dev.millrace.proto.views.EnrichedEventBytes;
import dev.millrace.proto.views.EventBytes;
import dev.millrace.proto.views.RawEventBytes;
import dev.millrace.proto.views.Utf8Check;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes, validates and enriches raw records of one task (one input partition).
 *
 * <p>Bad data goes straight to the dead-letter topic. A valid record is put in the pending store,
 * keyed by its input offset, and leaves it only when its enrichment result (or its per-item error)
 * has been forwarded, in the same transaction as the store delete. A batch goes out when the store
 * holds {@code batchSize} records or on the {@code linger} punctuation.
 *
 * <p>When the API is unavailable the batch stays in the store and the next attempt waits for a
 * jittered backoff; the stream thread keeps running (commits, punctuations, heartbeats). Once a task
 * holds {@code maxPending} records it applies backpressure: each further record waits up to
 * {@code maxBlock} for a retry to drain the store, which slows consumption to a trickle without ever
 * holding the thread near max.poll.interval.ms or an open transaction near its timeout.
 */
final class EnrichProcessor implements Processor<String, byte[], String, Message> {

  private static final Logger log = LoggerFactory.getLogger(EnrichProcessor.class);

  private final PayloadValidator validator;
  private final Enricher enricher;
  private final EnrichOptions options;
  private final EnricherMetrics metrics;
  private final RetryClock clock;

  private ProcessorContext<String, Message> context;
  private KeyValueStore<Long, PendingRecord> pending;
  private int pendingCount;
  /**
   * Pending records not on the network, in offset order (a task reads one partition, in order), so
   * picking a batch neither deserializes records nor walks the store's cache; the store stays the
   * durable truth (this is rebuilt from it in init).
   */
  private final ArrayDeque<Pending> unsent = new ArrayDeque<>();

  private static final Duration POLL_INTERVAL = Duration.ofMillis(20);

  /**
   * Calls on the network, oldest first. Several per task hide the round trip: on a busy host one
   * call at a time left the thread waiting for answers more than it worked.
   */
  static final int MAX_IN_FLIGHT = 4;

  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  private int failures;
  private long outageStartedAt = -1;
  private long nextAttemptAt;

  /** A record in the pending store, with its decoded event once this instance has decoded it. */
  private static final class Pending {
    final PendingRecord record;
    RawEventBytes raw;

    Pending(PendingRecord record, RawEventBytes raw) {
      this.record = record;
      this.raw = raw;
    }

    RawEventBytes raw() {
      if (raw == null) { // restored from the changelog: validated before it was stored
        raw = decode(record.value());
      }
      return raw;
    }
  }

  EnrichProcessor(PayloadValidator validator, Enricher enricher, EnrichOptions options,
                  EnricherMetrics metrics, RetryClock clock) {
    this.validator = validator;
    this.enricher = enricher;
    this.options = options;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public void init(ProcessorContext<String, Message> context) {
    this.context = context;
    this.pending = context.getStateStore(EnricherTopology.PENDING_STORE);
    // A task revived after an error initializes the same processor again: start from the store.
    unsent.clear();
    inFlight.clear();
    failures = 0;
    outageStartedAt = -1;
    nextAttemptAt = 0;
    // After a crash or a move to this instance, the store comes back from its changelog.
    int restored = 0;
    try (KeyValueIterator<Long, PendingRecord> it = pending.all()) {
      while (it.hasNext()) {
        // The store iterates in key order: offsets, non-negative longs serialized big-endian.
        unsent.addLast(new Pending(it.next().value, null));
        restored++;
      }
    }
    pendingCount = restored;
    metrics.pending(restored);
    if (restored > 0) {
      log.info("task {}: {} records pending enrichment restored from the changelog", context.taskId(), restored);
    }
    context.schedule(options.linger(), PunctuationType.WALL_CLOCK_TIME, ts -> pump(true));
    // Between lingers, answers that arrived while no record came in are forwarded promptly.
    if (options.linger().toMillis() > POLL_INTERVAL.toMillis()) {
      context.schedule(POLL_INTERVAL, PunctuationType.WALL_CLOCK_TIME, ts -> pump(false));
    }
  }

  @Override
  public void process(Record<String, byte[]> record) {
    metrics.received();
    RecordMetadata md = context.recordMetadata().orElseThrow();
    Source source = new Source(md.topic(), md.partition(), md.offset());
    byte[] bytes = record.value();

    RawEventBytes raw = decode(bytes);
    if (raw == null) {
      deadLetter(record.key(), record.timestamp(), Outputs.deadLetter(ReasonCode.UNDECODABLE,
          bytes == null ? "the record has no value" : "the record's value is not a millrace.v1.RawEvent",
          bytes, source, clock.millis()).build());
      return;
    }

    // The payload stays bytes: as a String it would be encoded again for every write of the event.
    String type = raw.getEvent().getEventType().toStringUtf8();
    String version = raw.getEvent().getSchemaVersion().toStringUtf8();
    Validation validation = validator.validate(type, version, raw.getEvent().getPayloadJson());
    if (validation instanceof Validation.UnknownSchema unknown) {
      deadLetter(record.key(), record.timestamp(), Outputs.deadLetter(ReasonCode.UNKNOWN_SCHEMA,
          unknown.message(), bytes, source, raw, List.of(), clock.millis()));
      return;
    }
    if (validation instanceof Validation.Invalid invalid) {
      deadLetter(record.key(), record.timestamp(), Outputs.deadLetter(ReasonCode.SCHEMA_VIOLATION,
          invalid.violations().size() + " schema violation(s) against " + type + "/" + version,
          bytes, source, raw, invalid.violations(), clock.millis()));
      return;
    }

    PendingRecord pendingRecord = new PendingRecord(record.key(), bytes, record.timestamp(),
        md.topic(), md.partition(), md.offset());
    pending.put(md.offset(), pendingRecord);
    unsent.addLast(new Pending(pendingRecord, raw));
    pendingCount++;
    metrics.pending(1);
    pump(false);
    waitWhileFull();
  }

  /**
   * A RawEvent with an event, or null: empty bytes decode as an empty message, which is no event.
   * It is read as a byte view whose values alias {@code bytes} (a record's value is never written
   * to), with the UTF-8 check a {@code millrace.v1.RawEvent} parser makes.
   */
  private static RawEventBytes decode(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.enableAliasing(true);
      RawEventBytes raw = RawEventBytes.parseFrom(in);
      return raw.hasEvent() && !raw.getEvent().getEventId().isEmpty() && Utf8Check.isValid(raw) ? raw : null;
    } catch (IOException e) { // InvalidProtocolBufferException: reading an array does no I/O
      return null;
    }
  }

  /** Backpressure while the API is down or slow: bounded, so the thread keeps polling and committing. */
  private void waitWhileFull() {
    long until = clock.millis() + options.maxBlock().toMillis();
    while (pendingCount >= options.maxPending()) {
      long now = clock.millis();
      if (now >= until) {
        return;
      }
      try {
        if (!inFlight.isEmpty()) {
          inFlight.peekFirst().future.get(until - now, TimeUnit.MILLISECONDS);
        } else if (nextAttemptAt > now) {
          clock.sleep(Math.min(until, nextAttemptAt) - now);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException | CancellationException e) {
        // Handled by pump(): a failed call is an outage, an unfinished one is waited for again.
      }
      pump(true);
    }
  }

  /**
   * Moves batches along, on the stream thread: forwards the results of finished calls in the order
   * they were sent, then starts calls while full batches wait (or, with {@code lingerDue}, any
   * batch), fewer than {@link #MAX_IN_FLIGHT} are on the network and no backoff is running.
   */
  private void pump(boolean lingerDue) {
    while (true) {
      while (!inFlight.isEmpty() && inFlight.peekFirst().future.isDone()) {
        complete(inFlight.pollFirst());
      }
      if (unsent.isEmpty() || inFlight.size() >= MAX_IN_FLIGHT || clock.millis() < nextAttemptAt
          || (unsent.size() < options.batchSize() && !lingerDue)) {
        return;
      }
      send();
    }
  }

  private void send() {
    int size = Math.min(unsent.size(), options.batchSize());
    List<Pending> batch = new ArrayList<>(size);
    List<EnrichItemBytes> items = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      Pending p = unsent.pollFirst();
      batch.add(p);
      EventBytes event = p.raw().getEvent();
      // Values are copied as bytes: the API gets what the producer sent, with no decode and encode.
      items.add(EnrichItemBytes.newBuilder()
          // offsets are unique in a task; event ids may repeat
          .setItemId(ByteString.copyFromUtf8(Long.toString(p.record.offset())))
          .setEventType(event.getEventType())
          .setContext(event.getContext())
          .setClientIp(p.raw().getMetadata().getClientIp())
          .setPayloadJson(event.getPayloadJson())
          .build());
    }
    long started = System.nanoTime();
    CompletableFuture<List<EnrichResultBytes>> future;
    try {
      future = enricher.enrich(items);
    } catch (RuntimeException e) {
      future = CompletableFuture.failedFuture(e);
    }
    // The latency is taken when the answer arrives, not when the stream thread gets to it.
    future.whenComplete((r, e) -> metrics.enrichmentCall(System.nanoTime() - started, items.size(), e == null));
    inFlight.addLast(new InFlight(batch, future));
  }

  /** Forwards a finished call's results, or handles its failure as an outage. */
  private void complete(InFlight call) {
    List<Pending> batch = call.batch;
    List<EnrichResultBytes> results;
    try {
      results = call.future.join();
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (!(cause instanceof EnrichmentUnavailableException)) {
        throw e; // a bug, not an outage: the thread is replaced and the transaction aborted
      }
      long now = clock.millis();
      failures++;
      if (outageStartedAt < 0) {
        outageStartedAt = now;
      }
      long down = now - outageStartedAt;
      if (options.onUnavailable() == OnUnavailable.DEAD_LETTER && down >= options.unavailableBound().toMillis()) {
        deadLetterBatch(batch, cause.getMessage(), down);
        return;
      }
      // Later calls are dropped too: their records are sent again, in order, after the backoff.
      dropInFlight();
      unsend(batch);
      long wait = options.backoff().delay(failures).toMillis();
      nextAttemptAt = now + wait;
      if (failures == 1 || failures % 10 == 0) {
        log.warn("task {}: enrichment API unavailable ({}), {} records pending, attempt {} failed,"
            + " next in {} ms", context.taskId(), cause.getMessage(), pendingCount, failures, wait);
      }
      return;
    }
    if (failures > 0) {
      log.info("task {}: enrichment API answered again after {} failed attempts", context.taskId(), failures);
    }
    failures = 0;
    outageStartedAt = -1;
    nextAttemptAt = 0;

    long at = clock.millis();
    for (int i = 0; i < batch.size(); i++) {
      PendingRecord p = batch.get(i).record;
      RawEventBytes raw = batch.get(i).raw();
      EnrichResultBytes result = results.get(i);
      if (result.hasEnrichment()) {
        EnrichedEventBytes out = Outputs.enriched(raw, result, at);
        context.forward(new Record<String, Message>(p.key(), out, p.timestamp(), Outputs.enrichedHeaders(raw)),
            EnricherTopology.ENRICHED_SINK);
        metrics.enriched();
      } else {
        String why = result.hasError()
            ? "enrichment '" + result.getError().getEnrichment().toStringUtf8() + "' failed ("
                + result.getError().getCode() + "): " + result.getError().getMessage().toStringUtf8()
            : "the enrichment API returned neither a result nor an error";
        deadLetter(p.key(), p.timestamp(), Outputs.deadLetter(ReasonCode.ENRICHMENT_FAILED, why, p.value(),
            source(p), raw, List.of(), at));
      }
      remove(p);
    }
    pendingCount -= batch.size();
    metrics.pending(-batch.size());
  }

  /**
   * Takes a written-out record out of the store. A put of null deletes without reading the old
   * value back (a delete would deserialize it only to return it).
   */
  private void remove(PendingRecord p) {
    pending.put(p.offset(), null);
  }

  /** Puts a failed call's records back at the front of the queue, in their order. */
  private void unsend(List<Pending> batch) {
    for (int i = batch.size() - 1; i >= 0; i--) {
      unsent.addFirst(batch.get(i));
    }
  }

  /** Cancels every call on the network; their records go back, in order, to be sent again. */
  private void dropInFlight() {
    for (Iterator<InFlight> it = inFlight.descendingIterator(); it.hasNext(); ) {
      InFlight call = it.next();
      call.future.cancel(false);
      unsend(call.batch);
    }
    inFlight.clear();
  }

  /** A call on the network and the records it carries (still in the pending store). */
  private record InFlight(List<Pending> batch, CompletableFuture<List<EnrichResultBytes>> future) {}

  private void deadLetterBatch(List<Pending> batch, String cause, long downMillis) {
    log.warn("task {}: enrichment API unavailable for {} ms (bound {}), dead-lettering {} records as"
        + " ENRICHMENT_UNAVAILABLE", context.taskId(), downMillis, options.unavailableBound(), batch.size());
    long at = clock.millis();
    for (Pending entry : batch) {
      PendingRecord p = entry.record;
      deadLetter(p.key(), p.timestamp(), Outputs.deadLetter(ReasonCode.ENRICHMENT_UNAVAILABLE,
          "the enrichment API was unavailable for " + Duration.ofMillis(downMillis) + ": " + cause,
          p.value(), source(p), entry.raw(), List.of(), at));
      remove(p);
    }
    pendingCount -= batch.size();
    metrics.pending(-batch.size());
  }

  private static Source source(PendingRecord p) {
    return new Source(p.topic(), p.partition(), p.offset());
  }

  private void deadLetter(String key, long timestamp, DeadLetter deadLetter) {
    if (log.isDebugEnabled()) {
      log.debug("dead letter {} from {}-{}@{} event {}", deadLetter.getReason(), deadLetter.getSourceTopic(),
          deadLetter.getSourcePartition(), deadLetter.getSourceOffset(), deadLetter.getEventId());
    }
    context.forward(new Record<String, Message>(key, deadLetter, timestamp, Outputs.deadLetterHeaders(deadLetter)),
        EnricherTopology.DEAD_LETTER_SINK);
    metrics.deadLettered(deadLetter.getReason());
  }

  @Override
  public void close() {
    // Pending records stay in the store (and its changelog); whoever owns the task next sends them.
    // An unanswered call's results are dropped with it: its records are among the pending.
    dropInFlight();
    metrics.pending(-pendingCount);
  }
}
