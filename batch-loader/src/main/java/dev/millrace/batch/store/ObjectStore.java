package dev.millrace.batch.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The object store as the loader uses it: only calls that both MinIO and s3proxy (and AWS S3)
 * answer alike. Every failure is an {@link IOException}; the caller retries with backoff. Every
 * call is one request (a listing one per page) and ends within the store's request timeout, so the
 * loader can bound how long it spends away from its Kafka consumer.
 */
public interface ObjectStore extends AutoCloseable {

  /** Uploads a local file in one request (use the multipart calls for files above {@link #partSize()}). */
  void upload(String key, Path file) throws IOException;

  void put(String key, byte[] content) throws IOException;

  /** The object's bytes, or empty when there is no such object. */
  Optional<byte[]> get(String key) throws IOException;

  boolean exists(String key) throws IOException;

  /** Every key under {@code prefix}, recursively. */
  List<String> list(String prefix) throws IOException;

  /** The "directories" right under {@code prefix} (common prefixes, ending with '/'). */
  List<String> listDirectories(String prefix) throws IOException;

  void delete(String key) throws IOException;

  /**
   * Files larger than this go up as a multipart upload, one part of this size per call, so that no
   * single call carries more than a part and the loader can go back to its consumer between parts.
   * A store without multipart uploads keeps the default: every file goes up in one {@link #upload}.
   */
  default long partSize() {
    return Long.MAX_VALUE;
  }

  /**
   * One uploaded part of a multipart upload.
   *
   * @param number 1-based part number
   * @param etag what the store answered for the part
   * @param checksum the part's checksum as the store verified it (base64), or null
   */
  record Part(int number, String etag, String checksum) {}

  /** Starts a multipart upload of {@code key}; returns its upload id. */
  default String startMultipart(String key) throws IOException {
    throw new IOException(getClass().getSimpleName() + " has no multipart uploads");
  }

  /** Uploads bytes {@code [offset, offset + length)} of {@code file} as part {@code number}. */
  default Part uploadPart(String key, String uploadId, int number, Path file, long offset,
                          long length) throws IOException {
    throw new IOException(getClass().getSimpleName() + " has no multipart uploads");
  }

  /** Makes the object out of the parts, in order; only then is it visible. */
  default void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    throw new IOException(getClass().getSimpleName() + " has no multipart uploads");
  }

  /** Discards an unfinished multipart upload and its parts; the object never appears. */
  default void abortMultipart(String key, String uploadId) throws IOException {
    throw new IOException(getClass().getSimpleName() + " has no multipart uploads");
  }

  @Override
  void close();
}
