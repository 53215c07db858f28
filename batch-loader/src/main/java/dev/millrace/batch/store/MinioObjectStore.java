package dev.millrace.batch.store;

import io.minio.AbortMultipartUploadArgs;
import io.minio.Checksum;
import io.minio.CompleteMultipartUploadArgs;
import io.minio.CreateMultipartUploadArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.Http;
import io.minio.ListObjectsArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.UploadObjectArgs;
import io.minio.UploadPartArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;
import okhttp3.OkHttpClient;

/**
 * {@link ObjectStore} on the MinIO Java SDK; speaks to MinIO, s3proxy and AWS S3.
 *
 * <p>Every request ends within {@code requestTimeout}, from connecting to the last byte of the
 * response: OkHttp's call timeout cancels it then, however slowly the store trickles bytes (its
 * read and write timeouts only bound the gap between two bytes). Multipart uploads are one call per
 * step (start, each part, complete, abort), so the loader decides between steps whether it still
 * has time, and can abort an upload it no longer owns.
 */
public final class MinioObjectStore implements ObjectStore {

  private static final String CONTENT_TYPE = "application/vnd.apache.parquet";

  private final MinioClient client;
  /** The same HTTP client, for the multipart calls the blocking client does not offer one by one. */
  private final MinioAsyncClient async;
  private final OkHttpClient http;
  private final Duration requestTimeout;
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
    // than Kafka's max.poll.interval) and no retries behind our back (we retry with backoff). The
    // call timeout bounds the whole request; read/write timeouts alone let a store that sends a
    // byte now and then hold a call for ever.
    this.http = new OkHttpClient.Builder()
        .connectTimeout(requestTimeout.compareTo(Duration.ofSeconds(5)) < 0
            ? requestTimeout : Duration.ofSeconds(5))
        .readTimeout(requestTimeout)
        .writeTimeout(requestTimeout)
        .callTimeout(requestTimeout)
        .retryOnConnectionFailure(false)
        .build();
    this.client = MinioClient.builder()
        .endpoint(endpoint)
        .region(region)
        .credentials(accessKey, secretKey)
        .httpClient(http, true)
        .build();
    this.async = MinioAsyncClient.builder()
        .endpoint(endpoint)
        .region(region)
        .credentials(accessKey, secretKey)
        .httpClient(http, false)
        .build();
    this.bucket = bucket;
    this.partSize = partSize;
    this.requestTimeout = requestTimeout;
  }

  @Override
  public long partSize() {
    return partSize;
  }

  // The SDK's blocking client reports a refused connection as an unchecked IllegalStateException,
  // not a MinioException: every call catches both, so an outage is always a retryable IOException.

  @Override
  public void upload(String key, Path file) throws IOException {
    try {
      client.uploadObject(UploadObjectArgs.builder().bucket(bucket).object(key)
          .filename(file.toString(), partSize).contentType(CONTENT_TYPE)
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

  @Override
  public String startMultipart(String key) throws IOException {
    return await("start of the multipart upload of " + key, () -> async.createMultipartUpload(
        CreateMultipartUploadArgs.builder().bucket(bucket).object(key)
            .headers(new Http.Headers("Content-Type", CONTENT_TYPE,
                "x-amz-checksum-algorithm", CHECKSUM.toString()))
            .build()))
        .result().uploadId();
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, Path file, long offset,
                         long length) throws IOException {
    // A part is at most part-size (16MB by default): read into memory, so its checksum and the
    // SDK's payload hash read the same bytes the request sends.
    byte[] data = new byte[Math.toIntExact(length)];
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      in.seek(offset);
      in.readFully(data);
    }
    CRC32 crc = new CRC32();
    crc.update(data);
    String checksum = Checksum.base64String(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    String etag = await("part " + number + " of " + key, () -> async.uploadPart(
        UploadPartArgs.builder().bucket(bucket).object(key).uploadId(uploadId).partNumber(number)
            .data(data, data.length)
            .headers(new Http.Headers(CHECKSUM.header(), checksum,
                Http.Headers.X_AMZ_SDK_CHECKSUM_ALGORITHM, CHECKSUM.toString()))
            .build()))
        .part().etag();
    return new Part(number, etag, checksum);
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    io.minio.messages.Part[] sdkParts = parts.stream()
        .map(p -> new io.minio.messages.Part(p.number(), p.etag(), p.checksum(), null, null, null, null))
        .toArray(io.minio.messages.Part[]::new);
    await("completion of the multipart upload of " + key, () -> async.completeMultipartUpload(
        CompleteMultipartUploadArgs.builder().bucket(bucket).object(key).uploadId(uploadId)
            .parts(sdkParts).build()));
  }

  @Override
  public void abortMultipart(String key, String uploadId) throws IOException {
    await("abort of the multipart upload of " + key, () -> async.abortMultipartUpload(
        AbortMultipartUploadArgs.builder().bucket(bucket).object(key).uploadId(uploadId).build()));
  }

  /**
   * Runs one asynchronous SDK call and waits for it. The call timeout ends the request itself; the
   * wait has its own limit, a little longer, so nothing in the SDK can hold the loader beyond it.
   */
  private <T> T await(String what, SdkCall<T> call) throws IOException {
    CompletableFuture<T> future;
    try {
      future = call.start();
    } catch (RuntimeException e) {
      throw new IOException(what + " failed: " + e, e);
    }
    try {
      return future.get(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException(what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IOException(what + " did not finish within " + requestTimeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      throw new InterruptedIOException(what + " interrupted");
    }
  }

  @FunctionalInterface
  private interface SdkCall<T> {
    CompletableFuture<T> start();
  }

  private static boolean isNotFound(ErrorResponseException e) {
    String code = e.errorResponse() == null ? null : e.errorResponse().code();
    return "NoSuchKey".equals(code) || "NoSuchObject".equals(code)
        || (e.response() != null && e.response().code() == 404);
  }

  @Override
  public void close() {
    try {
      async.close();
    } catch (Exception e) {
      // Shares the HTTP client, which the blocking client closes below.
    }
    try {
      client.close();
    } catch (Exception e) {
      // Closing only releases connections and threads; nothing is lost if it fails.
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
