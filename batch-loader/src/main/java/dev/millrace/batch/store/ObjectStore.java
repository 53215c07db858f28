package dev.millrace.batch.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The object store as the loader uses it: only calls that both MinIO and s3proxy (and AWS S3)
 * answer alike. Every failure is an {@link IOException}; the caller retries with backoff.
 */
public interface ObjectStore extends AutoCloseable {

  /** Uploads a local file; multipart when it is bigger than the configured part size. */
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

  @Override
  void close();
}
