package dev.millrace.localstack;

/**
 * An S3-compatible object store (s3proxy with a filesystem backend, or MinIO in containers mode)
 * reachable on 127.0.0.1 with path-style requests and AWS signature v4.
 *
 * <p>{@link #stop()} is graceful, {@link #kill()} is SIGKILL; both keep the data and the port, so
 * {@link #start()} brings the same store back at the same {@link #endpoint()}.
 */
public interface S3Server {

  /** Base URL, e.g. {@code http://127.0.0.1:41235}. */
  String endpoint();

  String accessKey();

  String secretKey();

  /** The region clients should sign for. */
  String region();

  /** Creates the bucket unless it exists. */
  void createBucket(String name);

  void stop();

  void kill();

  void start();

  boolean isRunning();
}
