package dev.millrace.localstack;

/**
 * A single-node Elasticsearch 8.19 cluster with security off, reachable on 127.0.0.1.
 *
 * <p>{@link #stop()} is graceful, {@link #kill()} is SIGKILL; both keep the data and the port, so
 * {@link #start()} brings the same node back at the same {@link #url()}.
 */
public interface ElasticsearchServer {

  /** Base URL, e.g. {@code http://127.0.0.1:41234}. */
  String url();

  void stop();

  void kill();

  void start();

  boolean isRunning();
}
