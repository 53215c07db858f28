package dev.millrace.batch.store;

import io.minio.Checksum;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;

/** {@link ObjectStore} on the MinIO Java SDK; speaks to MinIO, s3proxy and AWS S3. */
public final class MinioObjectStore implements ObjectStore {

  private final MinioClient client;
  private final OkHttpClient http;
  private final String bucket;
  private final long partSize;
  /**
   * The store verifies every request body against this. CRC32 rather than the SDK's default
   * CRC32C: the SDK computes CRC32C a byte at a time, CRC32 through the JDK's hardware-accelerated
   * {@link java.util.zip.CRC32}, and S3 and MinIO check both.
   */
  static final Checksum.Algorithm CHECKSUM = Checksum.Algorithm.CRC32;

  public MinioObjectStore(String endpoint, String region, String accessKey, String secretKey,
                          String bucket, long partSize, Duration requestTimeout) {
    // Our own OkHttp client: bounded timeouts (the SDK's default read timeout is 5 minutes, longer
    // than Kafka's max.poll.interval) and no retries behind our back (we retry with backoff).
    this.http = new OkHttpClient.Builder()
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(requestTimeout)
        .writeTimeout(requestTimeout)
        .retryOnConnectionFailure(false)
        .build();
    this.client = MinioClient.builder()
        .endpoint(endpoint)
        .region(region)
        .credentials(accessKey, secretKey)
        .httpClient(http, true)
        .build();
    this.bucket = bucket;
    this.partSize = partSize;
  }

  // The SDK's blocking client reports a refused connection as an unchecked IllegalStateException,
  // not a MinioException: every call catches both, so an outage is always a retryable IOException.

  @Override
  public void upload(String key, Path file) throws IOException {
    try {
      client.uploadObject(UploadObjectArgs.builder().bucket(bucket).object(key)
          .filename(file.toString(), partSize).contentType("application/vnd.apache.parquet")
          .checksum(CHECKSUM)
          .build());
    } catch (MinioException | RuntimeException e) {
      throw new IOException("upload of " + key + " failed: " + e, e);
    }
  }

  @Override
  public void put(String key, byte[] content) throws IOException {
    try {
      client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
          .data(content, content.length).checksum(CHECKSUM).build());
    } catch (MinioException | RuntimeException e) {
      throw new IOException("put of " + key + " failed: " + e, e);
    }
  }

  @Override
  public Optional<byte[]> get(String key) throws IOException {
    try (GetObjectResponse in = client.getObject(
        GetObjectArgs.builder().bucket(bucket).object(key).build())) {
      return Optional.of(in.readAllBytes());
    } catch (ErrorResponseException e) {
      if (isNotFound(e)) {
        return Optional.empty();
      }
      throw new IOException("get of " + key + " failed: " + e, e);
    } catch (MinioException | RuntimeException e) {
      throw new IOException("get of " + key + " failed: " + e, e);
    }
  }

  @Override
  public boolean exists(String key) throws IOException {
    try {
      client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
      return true;
    } catch (ErrorResponseException e) {
      if (isNotFound(e)) {
        return false;
      }
      throw new IOException("stat of " + key + " failed: " + e, e);
    } catch (MinioException | RuntimeException e) {
      throw new IOException("stat of " + key + " failed: " + e, e);
    }
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    return list(prefix, true, false);
  }

  @Override
  public List<String> listDirectories(String prefix) throws IOException {
    return list(prefix, false, true);
  }

  private List<String> list(String prefix, boolean recursive, boolean directories)
      throws IOException {
    List<String> keys = new ArrayList<>();
    try {
      for (Result<Item> result : client.listObjects(ListObjectsArgs.builder().bucket(bucket)
          .prefix(prefix).recursive(recursive).build())) {
        Item item = result.get();
        if (item.isDir() == directories) {
          keys.add(item.objectName());
        }
      }
    } catch (MinioException | RuntimeException e) {
      throw new IOException("list of " + prefix + " failed: " + e, e);
    }
    return keys;
  }

  @Override
  public void delete(String key) throws IOException {
    try {
      client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
    } catch (MinioException | RuntimeException e) {
      throw new IOException("delete of " + key + " failed: " + e, e);
    }
  }

  private static boolean isNotFound(ErrorResponseException e) {
    String code = e.errorResponse() == null ? null : e.errorResponse().code();
    return "NoSuchKey".equals(code) || "NoSuchObject".equals(code)
        || (e.response() != null && e.response().code() == 404);
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (Exception e) {
      // Closing only releases connections and threads; nothing is lost if it fails.
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
