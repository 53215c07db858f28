package dev.millrace.enricher.schema;

import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Schemas under an S3 or MinIO prefix, {@code s3://bucket/prefix/<event_type>/<version>.json}, read
 * with the S3 API both speak (GET and ListObjectsV2 only). A missing key is "no schema"; any other
 * failure throws.
 */
public final class S3SchemaStore implements SchemaStore {

  private final MinioClient client;
  private final String bucket;
  private final String prefix;
  private final String location;

  /**
   * @param location {@code s3://bucket} or {@code s3://bucket/prefix}
   * @param endpoint the S3 API's URL, e.g. {@code https://s3.eu-west-1.amazonaws.com} or MinIO's
   */
  public S3SchemaStore(String location, String endpoint, String region, String accessKey, String secretKey) {
    String path = location.substring("s3://".length());
    int slash = path.indexOf('/');
    this.bucket = slash < 0 ? path : path.substring(0, slash);
    String p = slash < 0 ? "" : path.substring(slash + 1);
    this.prefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
    if (bucket.isEmpty()) {
      throw new IllegalArgumentException("the schema location " + location + " names no bucket");
    }
    this.location = location;
    this.client = MinioClient.builder().endpoint(endpoint).region(region).credentials(accessKey, secretKey).build();
  }

  @Override
  public Optional<InputStream> open(String eventType, String version) {
    String key = prefix + eventType + "/" + version + ".json";
    try (GetObjectResponse in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
      return Optional.of(new ByteArrayInputStream(in.readAllBytes()));
    } catch (ErrorResponseException e) {
      String code = e.errorResponse() == null ? null : e.errorResponse().code();
      if ("NoSuchKey".equals(code) || "NoSuchObject".equals(code)
          || (e.response() != null && e.response().code() == 404)) {
        return Optional.empty();
      }
      throw new UncheckedIOException(new IOException("cannot read s3://" + bucket + "/" + key + ": " + e, e));
    } catch (MinioException | IOException | RuntimeException e) {
      throw new UncheckedIOException(new IOException("cannot read s3://" + bucket + "/" + key + ": " + e, e));
    }
  }

  @Override
  public String describe() {
    return location;
  }

  @Override
  public Optional<SortedMap<String, SortedSet<String>>> list() {
    SortedMap<String, SortedSet<String>> all = new TreeMap<>();
    try {
      for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix)
          .recursive(true).build())) {
        SchemaStore.add(all, r.get().objectName().substring(prefix.length()));
      }
    } catch (MinioException | RuntimeException e) {
      throw new UncheckedIOException(new IOException("cannot list " + location + ": " + e, e));
    }
    return Optional.of(all);
  }
}
