package dev.millrace.producer.send;

import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.Event;
import java.util.List;

/** Sends one batch to a collector and returns its per-event answer. Thread-safe. */
public interface EventSender extends AutoCloseable {

  /** "rest" or "grpc", for the summary. */
  String transport();

  /** Where it sends, for messages. */
  String target();

  /** Blocks until the collector answered the whole batch. */
  BatchResult send(List<Event> events) throws SendException;

  @Override
  void close();
}
