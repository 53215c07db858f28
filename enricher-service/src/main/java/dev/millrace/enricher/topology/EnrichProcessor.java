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
import dev.millrace.enricher.topology.OutputRecords.Source;
import dev.millrace.proto.v1.DeadLetter;
import dev.millrace.proto.v1.ReasonCode;
import dev.millrace.proto.v1.Violation;
import dev.millrace.proto.views.EnrichItemBytes;
import dev.millrace.proto.views.EnrichResultBytes;
import dev.millrace.proto.views.EnrichedEventBytes;
import dev.millrace.proto.views.EventBytes;
import dev.millrace.proto.views.RawEventBytes;
import dev.millrace.proto.views.Utf8Check;
import java.io.IOError;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
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
 *
 * <p>A failure caused by one record never leaves the processor: an exception thrown while decoding,
 * validating, enriching or writing out a record (a bug, or an input the code does not handle)
 * dead-letters that record with the step and the exception in its message, and the next records
 * go on. When a whole enrichment call fails that way, its records are sent again one per call, so
 * only the record that causes it is dead-lettered. A failure of Kafka, the state store or the
 * machine ({@link #causedByTheRecord}) is thrown: the stream thread fails and {@code
 * StreamThreadFailures} decides what happens to the instance.
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

  /** Longest exception message copied into a dead letter. */
  private static final int MAX_CAUSE_CHARS = 500;

  /** A record in the pending store, with its decoded event once this instance has decoded it. */
  private static final class Pending {
    final PendingRecord record;
    RawEventBytes raw;
    /** Sent in a call of its own: a call that carried it with others failed (not as an outage). */
    boolean alone;

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

    RawEventBytes raw;
    try {
      raw = decode(bytes);
    } catch (RuntimeException | StackOverflowError e) {
      if (!causedByTheRecord(e)) {
        throw e;
      }
      failed(record.timestamp(), ReasonCode.UNDECODABLE, "decoding it", e, bytes, source, null);
      return;
    }
    if (raw == null) {
      deadLetter(record.timestamp(), OutputRecords.deadLetter(ReasonCode.UNDECODABLE,
          bytes == null ? "the record has no value" : "the record's value is not a millrace.v1.RawEvent",
          bytes, source, clock.millis()).build());
      return;
    }

    DeadLetter rejected;
    try {
      rejected = validate(raw, bytes, source);
    } catch (RuntimeException | StackOverflowError e) {
      if (!causedByTheRecord(e)) {
        throw e;
      }
      failed(record.timestamp(), ReasonCode.ENRICHMENT_FAILED, "validating its payload", e, bytes, source, raw);
      return;
    }
    if (rejected != null) {
      deadLetter(record.timestamp(), rejected);
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

  /** The dead letter of a payload that does not pass its schema, or null when it does. */
  private DeadLetter validate(RawEventBytes raw, byte[] bytes, Source source) {
    // The payload stays bytes: as a String it would be encoded again for every write of the event.
    String type = raw.getEvent().getEventType().toStringUtf8();
    String version = raw.getEvent().getSchemaVersion().toStringUtf8();
    Validation validation = validator.validate(type, version, raw.getEvent().getPayloadJson(),
        raw.getMetadata().getTransport());
    if (validation instanceof Validation.UnknownSchema unknown) {
      return letter(ReasonCode.UNKNOWN_SCHEMA, unknown.message(), bytes, source, raw, List.of());
    }
    if (validation instanceof Validation.Invalid invalid) {
      return letter(ReasonCode.SCHEMA_VIOLATION,
          invalid.violations().size() + " schema violation(s) against " + type + "/" + version,
          bytes, source, raw, invalid.violations());
    }
    return null;
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
          || (unsent.size() < options.batchSize() && !lingerDue && !unsent.peekFirst().alone)) {
        return;
      }
      send();
    }
  }

  private void send() {
    // A record being isolated goes alone; a batch stops short of one.
    int size = unsent.peekFirst().alone ? 1 : Math.min(unsent.size(), options.batchSize());
    List<Pending> batch = new ArrayList<>(size);
    List<EnrichItemBytes> items = new ArrayList<>(size);
    while (batch.size() < size && !unsent.isEmpty() && (batch.isEmpty() || !unsent.peekFirst().alone)) {
      Pending p = unsent.pollFirst();
      EnrichItemBytes item = item(p);
      if (item != null) {
        batch.add(p);
        items.add(item);
      }
    }
    if (batch.isEmpty()) {
      return;
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

  /**
   * A pending record's request item, or null when the record cannot make one: it is then
   * dead-lettered and leaves the store (a record restored from the changelog that this version no
   * longer decodes, or a request that fails to build).
   */
  private EnrichItemBytes item(Pending p) {
    try {
      RawEventBytes raw = p.raw();
      if (raw == null) {
        PendingRecord r = p.record;
        deadLetter(r.timestamp(), OutputRecords.deadLetter(ReasonCode.UNDECODABLE,
            "the pending record's value is not a millrace.v1.RawEvent", r.value(), source(r), clock.millis()).build());
        written(p.record);
        return null;
      }
      EventBytes event = raw.getEvent();
      // Values are copied as bytes: the API gets what the producer sent, with no decode and encode.
      return EnrichItemBytes.newBuilder()
          // offsets are unique in a task; event ids may repeat
          .setItemId(ByteString.copyFromUtf8(Long.toString(p.record.offset())))
          .setEventType(event.getEventType())
          .setContext(event.getContext())
          .setClientIp(raw.getMetadata().getClientIp())
          .setPayloadJson(event.getPayloadJson())
          .build();
    } catch (RuntimeException | StackOverflowError e) {
      if (!causedByTheRecord(e)) {
        throw e;
      }
      PendingRecord r = p.record;
      failed(r.timestamp(), ReasonCode.ENRICHMENT_FAILED, "building its enrichment request", e, r.value(),
          source(r), p.raw);
      written(r);
      return null;
    }
  }

  /** Forwards a finished call's results, or handles its failure as an outage or as the records' fault. */
  private void complete(InFlight call) {
    List<Pending> batch = call.batch;
    List<EnrichResultBytes> results = null;
    Throwable failure = null;
    try {
      results = call.future.join();
    } catch (CompletionException | CancellationException e) {
      failure = e.getCause() != null ? e.getCause() : e;
    }
    if (failure == null && (results == null || results.size() != batch.size())) {
      failure = new IllegalStateException("the enricher answered " + (results == null ? "null" : results.size()
          + " results") + " for " + batch.size() + " items");
    }
    if (failure instanceof EnrichmentUnavailableException) {
      unavailable(batch, failure);
      return;
    }
    if (failure != null) {
      if (!causedByTheRecord(failure)) {
        if (failure instanceof Error error) {
          throw error;
        }
        throw failure instanceof RuntimeException re ? re : new IllegalStateException("enrichment call failed", failure);
      }
      callFailed(batch, failure);
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
      Record<String, Message> enrichedRecord = null;
      DeadLetter deadLetter = null;
      try {
        if (result.hasEnrichment()) {
          EnrichedEventBytes out = OutputRecords.enriched(raw, result, at);
          String key = OutputRecords.enrichedKey(p.key(), raw, out);
          Headers headers = OutputRecords.enrichedHeaders(raw);
          int bytes = recordBytes(key, out.getSerializedSize(), headers);
          if (bytes <= options.maxRecordBytes()) {
            enrichedRecord = new Record<String, Message>(key, out, p.timestamp(), headers);
          } else {
            // Sent, it would fail the send and with it the transaction, on every retry.
            deadLetter = letter(ReasonCode.ENRICHMENT_FAILED, "the enriched event would be a record of up to "
                + bytes + " bytes, over the producer's max.request.size of " + options.maxRecordBytes(),
                p.value(), source(p), raw, List.of());
          }
        } else {
          String why = result.hasError()
              ? "enrichment '" + result.getError().getEnrichment().toStringUtf8() + "' failed ("
                  + result.getError().getCode() + "): " + result.getError().getMessage().toStringUtf8()
              : "the enrichment API returned neither a result nor an error";
          deadLetter = letter(ReasonCode.ENRICHMENT_FAILED, why, p.value(), source(p), raw, List.of());
        }
      } catch (RuntimeException | StackOverflowError e) {
        if (!causedByTheRecord(e)) {
          throw e;
        }
        failed(p.timestamp(), ReasonCode.ENRICHMENT_FAILED, "writing its enriched event", e, p.value(), source(p), raw);
        written(p);
        continue;
      }
      if (enrichedRecord != null) {
        context.forward(enrichedRecord, EnricherTopology.ENRICHED_SINK);
        metrics.enriched();
      } else {
        deadLetter(p.timestamp(), deadLetter);
      }
      written(p);
    }
  }

  /** A call failed as unavailable: an outage, with backoff, or dead letters past the bound. */
  private void unavailable(List<Pending> batch, Throwable cause) {
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
  }

  /**
   * A call failed, and not as an outage: something in it makes the client, the cache or the API's
   * answer throw. A record that fails alone is dead-lettered; a batch is sent again one record per
   * call, in order (later calls are dropped and sent again after it, as for an outage), so only
   * the record that causes the failure is dead-lettered.
   */
  private void callFailed(List<Pending> batch, Throwable cause) {
    if (batch.size() == 1) {
      PendingRecord p = batch.get(0).record;
      failed(p.timestamp(), ReasonCode.ENRICHMENT_FAILED, "enriching it", cause, p.value(), source(p),
          batch.get(0).raw());
      written(p);
      return;
    }
    log.warn("task {}: an enrichment call of {} records failed ({}); sending them one per call to find the"
        + " record that causes it", context.taskId(), batch.size(), describe(cause));
    for (Pending p : batch) {
      p.alone = true;
    }
    dropInFlight();
    unsend(batch);
  }

  /** A record went out (enriched or dead-lettered): it leaves the store. */
  private void written(PendingRecord p) {
    remove(p);
    pendingCount--;
    metrics.pending(-1);
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
    for (Pending entry : batch) {
      PendingRecord p = entry.record;
      deadLetter(p.timestamp(), letter(ReasonCode.ENRICHMENT_UNAVAILABLE,
          "the enrichment API was unavailable for " + Duration.ofMillis(downMillis) + ": " + cause,
          p.value(), source(p), entry.raw(), List.of()));
      written(p);
    }
  }

  private static Source source(PendingRecord p) {
    return new Source(p.topic(), p.partition(), p.offset());
  }

  /**
   * A dead letter with the event's id, type, version and metadata; without them if reading them
   * fails (the dead letter must not fail where the record did).
   */
  private DeadLetter letter(ReasonCode reason, String message, byte[] original, Source source, RawEventBytes raw,
                            List<Violation> violations) {
    long now = clock.millis();
    if (raw != null) {
      try {
        return OutputRecords.deadLetter(reason, message, original, source, raw, violations, now);
      } catch (RuntimeException | StackOverflowError e) {
        if (!causedByTheRecord(e)) {
          throw e;
        }
        message += " (the event's id, type and metadata could not be read: " + describe(e) + ")";
      }
    }
    return OutputRecords.deadLetter(reason, message, original, source, now).addAllViolations(violations).build();
  }

  /** Dead-letters a record on which the enricher itself threw, naming the step and the exception. */
  private void failed(long timestamp, ReasonCode reason, String step, Throwable cause, byte[] original,
                      Source source, RawEventBytes raw) {
    DeadLetter dl = letter(reason, "the enricher failed on this record while " + step + ": " + describe(cause),
        original, source, raw, List.of());
    log.warn("task {}: record {}-{}@{} (event '{}') dead-lettered as {}: the enricher failed while {}",
        context.taskId(), source.topic(), source.partition(), source.offset(), dl.getEventId(), reason, step, cause);
    deadLetter(timestamp, dl);
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    if (m == null) {
      return t.getClass().getName();
    }
    return t.getClass().getName() + ": " + (m.length() > MAX_CAUSE_CHARS ? m.substring(0, MAX_CAUSE_CHARS) + "..." : m);
  }

  /**
   * Whether a failure lies with the record being handled, rather than with Kafka, the state store or
   * the machine. Kafka's own exceptions (Streams, the store, the producer: all {@link
   * KafkaException}), I/O failures (a schema directory that cannot be read) and errors other than
   * a stack overflow (deeply nested input) are not the record's: they are thrown on, and fail the
   * stream thread. Everything else thrown by the code that reads, checks, enriches or writes a
   * record is deterministic for that record, and dead-letters it.
   */
  static boolean causedByTheRecord(Throwable failure) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 20; t = t.getCause(), depth++) {
      if (t instanceof KafkaException || t instanceof UncheckedIOException || t instanceof IOException
          || t instanceof IOError) {
        return false;
      }
      if (t instanceof Error && !(t instanceof StackOverflowError)) {
        return false;
      }
    }
    return true;
  }

  /**
   * At least what the producer counts against {@code max.request.size} for one record in a batch of
   * its own: the batch and record overhead, the key (3 bytes a char at most), value and headers.
   */
  static int recordBytes(String key, int valueBytes, Headers headers) {
    int n = 128 + valueBytes + (key == null ? 0 : 3 * key.length());
    for (Header h : headers) {
      n += 10 + 3 * h.key().length() + (h.value() == null ? 0 : h.value().length);
    }
    return n;
  }

  /**
   * A dead letter that fits {@code max.request.size}: its original cut to what fits (and its
   * violations dropped if even that is not enough), saying so in its message.
   */
  private DeadLetter fitted(DeadLetter dl, String key) {
    int over = recordBytes(key, dl.getSerializedSize(), OutputRecords.deadLetterHeaders(dl)) - options.maxRecordBytes();
    if (over <= 0) {
      return dl;
    }
    ByteString original = dl.getOriginal();
    // The note added to the message takes some room too.
    int keep = Math.max(0, original.size() - over - 200);
    DeadLetter.Builder b = dl.toBuilder().setOriginal(original.substring(0, keep));
    String note = " (original truncated to " + keep + " of " + original.size() + " bytes to fit max.request.size";
    if (recordBytes(key, b.build().getSerializedSize() + 200, OutputRecords.deadLetterHeaders(dl)) > options.maxRecordBytes()) {
      note += "; " + b.getViolationsCount() + " violations dropped";
      b.clearViolations();
    }
    return b.setMessage(dl.getMessage() + note + ")").build();
  }

  private void deadLetter(long timestamp, DeadLetter letter) {
    String key = OutputRecords.deadLetterKey(letter);
    DeadLetter deadLetter = fitted(letter, key);
    if (log.isDebugEnabled()) {
      log.debug("dead letter {} from {}-{}@{} event {}", deadLetter.getReason(), deadLetter.getSourceTopic(),
          deadLetter.getSourcePartition(), deadLetter.getSourceOffset(), deadLetter.getEventId());
    }
    // Keyed by the event id (or the source offset), never by the raw key, which may be a user id.
    context.forward(new Record<String, Message>(key, deadLetter, timestamp, OutputRecords.deadLetterHeaders(deadLetter)),
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
