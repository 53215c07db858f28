package dev.millrace.enricher.topology;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.millrace.enricher.enrich.Enricher;
import dev.millrace.enricher.enrich.EnrichmentUnavailableException;
import dev.millrace.enricher.enrich.OnUnavailable;
import dev.millrace.enricher.enrich.RetryClock;
import dev.millrace.enricher.schema.PayloadValidator;
import dev.millrace.enricher.schema.Validation;
import dev.millrace.enricher.topology.Outputs.Source;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichResult;
import dev.millrace.proto.v1.EnrichedEvent;
import dev.millrace.proto.v1.RawEvent;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Violation;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
   * The store's contents in offset order, so picking a batch neither deserializes records nor walks
   * the store's cache; the store stays the durable truth (this is rebuilt from it in init).
   */
  private final TreeMap<Long, PendingRecord> mirror = new TreeMap<>();
  /** Decoded events of records put in the store by this instance; saves decoding them twice. */
  private final Map<Long, RawEvent> decoded = new HashMap<>();

  private static final Duration POLL_INTERVAL = Duration.ofMillis(20);

  /**
   * Calls on the network, oldest first. Several per task hide the round trip: on a busy host one
   * call at a time left the thread waiting for answers more than it worked.
   */
  static final int MAX_IN_FLIGHT = 4;

  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  /** Offsets up to this one are in a call on the network; -1 when none is. */
  private long sentUpTo = -1;
  private int inFlightRecords;
  private int failures;
  private long outageStartedAt = -1;
  private long nextAttemptAt;

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
    // After a crash or a move to this instance, the store comes back from its changelog.
    int restored = 0;
    try (KeyValueIterator<Long, PendingRecord> it = pending.all()) {
      while (it.hasNext()) {
        KeyValue<Long, PendingRecord> kv = it.next();
        mirror.put(kv.key, kv.value);
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

    RawEvent raw = decode(bytes);
    if (raw == null) {
      deadLetter(record.key(), record.timestamp(), Outputs.deadLetter(ReasonCode.UNDECODABLE,
          bytes == null ? "the record has no value" : "the record's value is not a millrace.v1.RawEvent",
          bytes, source, clock.millis()).build());
      return;
    }

    Validation validation = validator.validate(raw.getEvent().getEventType(),
        raw.getEvent().getSchemaVersion(), raw.getEvent().getPayloadJson());
    if (validation instanceof Validation.UnknownSchema unknown) {
      deadLetter(record.key(), record.timestamp(), Outputs.deadLetter(ReasonCode.UNKNOWN_SCHEMA,
          unknown.message(), bytes, source, raw, List.of(), clock.millis()));
      return;
    }
    if (validation instanceof Validation.Invalid invalid) {
      deadLetter(record.key(), record.timestamp(), Outputs.deadLetter(ReasonCode.SCHEMA_VIOLATION,
          invalid.violations().size() + " schema violation(s) against " + raw.getEvent().getEventType()
              + "/" + raw.getEvent().getSchemaVersion(),
          bytes, source, raw, invalid.violations(), clock.millis()));
      return;
    }

    decoded.put(md.offset(), raw);
    PendingRecord pendingRecord = new PendingRecord(record.key(), bytes, record.timestamp(),
        md.topic(), md.partition(), md.offset());
    pending.put(md.offset(), pendingRecord);
    mirror.put(md.offset(), pendingRecord);
    pendingCount++;
    metrics.pending(1);
    pump(false);
    waitWhileFull();
  }

  /** A RawEvent with an event, or null: empty bytes decode as an empty message, which is no event. */
  private static RawEvent decode(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      RawEvent raw = RawEvent.parseFrom(bytes);
      return raw.hasEvent() && !raw.getEvent().getEventId().isEmpty() ? raw : null;
    } catch (InvalidProtocolBufferException e) {
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
      int unsent = pendingCount - inFlightRecords;
      if (unsent <= 0 || inFlight.size() >= MAX_IN_FLIGHT || clock.millis() < nextAttemptAt
          || (unsent < options.batchSize() && !lingerDue)) {
        return;
      }
      send();
    }
  }

  private void send() {
    List<KeyValue<Long, PendingRecord>> batch =
        new ArrayList<>(Math.min(pendingCount - inFlightRecords, options.batchSize()));
    for (Map.Entry<Long, PendingRecord> e : mirror.tailMap(sentUpTo, false).entrySet()) {
      if (batch.size() >= options.batchSize()) {
        break;
      }
      batch.add(KeyValue.pair(e.getKey(), e.getValue()));
    }
    List<RawEvent> events = new ArrayList<>(batch.size());
    List<EnrichItem> items = new ArrayList<>(batch.size());
    for (KeyValue<Long, PendingRecord> kv : batch) {
      RawEvent raw = decoded.get(kv.key);
      if (raw == null) { // restored from the changelog
        raw = decode(kv.value.value());
      }
      events.add(raw);
      items.add(EnrichItem.newBuilder()
          .setItemId(Long.toString(kv.key)) // offsets are unique in a task; event ids may repeat
          .setEventType(raw.getEvent().getEventType())
          .setContext(raw.getEvent().getContext())
          .setClientIp(raw.getMetadata().getClientIp())
          .setPayloadJson(raw.getEvent().getPayloadJson())
          .build());
    }
    long started = System.nanoTime();
    CompletableFuture<List<EnrichResult>> future;
    try {
      future = enricher.enrich(items);
    } catch (RuntimeException e) {
      future = CompletableFuture.failedFuture(e);
    }
    // The latency is taken when the answer arrives, not when the stream thread gets to it.
    future.whenComplete((r, e) -> metrics.enrichmentCall(System.nanoTime() - started, items.size(), e == null));
    inFlight.addLast(new InFlight(batch, events, future));
    inFlightRecords += batch.size();
    sentUpTo = batch.get(batch.size() - 1).key;
  }

  /** Forwards a finished call's results, or handles its failure as an outage. */
  private void complete(InFlight call) {
    List<KeyValue<Long, PendingRecord>> batch = call.batch;
    inFlightRecords -= batch.size();
    if (inFlight.isEmpty()) {
      sentUpTo = -1;
    }
    List<EnrichResult> results;
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
        deadLetterBatch(batch, call.events, cause.getMessage(), down);
        return;
      }
      // Later calls are dropped too: their records are sent again, in order, after the backoff.
      dropInFlight();
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
      PendingRecord p = batch.get(i).value;
      RawEvent raw = call.events.get(i);
      EnrichResult result = results.get(i);
      if (result.hasEnrichment()) {
        EnrichedEvent out = Outputs.enriched(raw, result, at);
        context.forward(new Record<String, Message>(p.key(), out, p.timestamp(), Outputs.enrichedHeaders(raw)),
            EnricherTopology.ENRICHED_SINK);
        metrics.enriched();
      } else {
        String why = result.hasError()
            ? "enrichment '" + result.getError().getEnrichment() + "' failed (" + result.getError().getCode()
                + "): " + result.getError().getMessage()
            : "the enrichment API returned neither a result nor an error";
        deadLetter(p.key(), p.timestamp(), Outputs.deadLetter(ReasonCode.ENRICHMENT_FAILED, why, p.value(),
            source(p), raw, List.of(), at));
      }
      pending.delete(batch.get(i).key);
      decoded.remove(batch.get(i).key);
      mirror.remove(batch.get(i).key);
    }
    pendingCount -= batch.size();
    metrics.pending(-batch.size());
  }

  private void dropInFlight() {
    for (InFlight call : inFlight) {
      call.future.cancel(false);
    }
    inFlight.clear();
    inFlightRecords = 0;
    sentUpTo = -1;
  }

  /** A call on the network and the records it carries (still in the pending store). */
  private record InFlight(List<KeyValue<Long, PendingRecord>> batch, List<RawEvent> events,
                          CompletableFuture<List<EnrichResult>> future) {}

  private void deadLetterBatch(List<KeyValue<Long, PendingRecord>> batch, List<RawEvent> events,
                               String cause, long downMillis) {
    log.warn("task {}: enrichment API unavailable for {} ms (bound {}), dead-lettering {} records as"
        + " ENRICHMENT_UNAVAILABLE", context.taskId(), downMillis, options.unavailableBound(), batch.size());
    long at = clock.millis();
    for (int i = 0; i < batch.size(); i++) {
      PendingRecord p = batch.get(i).value;
      deadLetter(p.key(), p.timestamp(), Outputs.deadLetter(ReasonCode.ENRICHMENT_UNAVAILABLE,
          "the enrichment API was unavailable for " + Duration.ofMillis(downMillis) + ": " + cause,
          p.value(), source(p), events.get(i), List.of(), at));
      pending.delete(batch.get(i).key);
      decoded.remove(batch.get(i).key);
      mirror.remove(batch.get(i).key);
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
