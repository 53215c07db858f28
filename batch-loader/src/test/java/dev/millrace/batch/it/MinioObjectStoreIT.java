package dev.millrace.batch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.batch.store.MinioObjectStore;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.localstack.S3Server;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The store calls the loader relies on, against the real S3 server. */
@ExtendWith(LocalStackExtension.class)
class MinioObjectStoreIT {

  private static final int MIB = 1024 * 1024;

  @Test
  void aFileLargerThanThePartSizeGoesUpAsAMultipartUploadAndTheCallsBehave(S3Server s3,
      @TempDir Path tmp) throws Exception {
    s3.createBucket("store-it");
    byte[] data = new byte[11 * MIB];
    new Random(1).nextBytes(data);
    Path file = Files.write(tmp.resolve("big.parquet"), data);
    try (MinioObjectStore store = new MinioObjectStore(s3.endpoint(), s3.region(), s3.accessKey(),
        s3.secretKey(), "store-it", 5L * MIB, Duration.ofSeconds(30));
         MinioClient minio = MinioClient.builder().endpoint(s3.endpoint())
             .credentials(s3.accessKey(), s3.secretKey()).region(s3.region()).build()) {
      store.upload("t/event_type=a/dt=2026-01-01/hour=00/f.parquet", file);
      // A multipart ETag is "<md5 of the parts' md5s>-<part count>".
      assertThat(minio.statObject(StatObjectArgs.builder().bucket("store-it")
          .object("t/event_type=a/dt=2026-01-01/hour=00/f.parquet").build()).etag()).endsWith("-3");
      assertThat(store.get("t/event_type=a/dt=2026-01-01/hour=00/f.parquet")).hasValue(data);

      store.put("t/event_type=b/x", new byte[] {1});
      assertThat(store.get("t/missing")).isEmpty();
      assertThat(store.exists("t/missing")).isFalse();
      assertThat(store.exists("t/event_type=b/x")).isTrue();
      assertThat(store.list("t/")).containsExactly(
          "t/event_type=a/dt=2026-01-01/hour=00/f.parquet", "t/event_type=b/x");
      assertThat(store.listDirectories("t/")).containsExactly("t/event_type=a/", "t/event_type=b/");
      store.delete("t/event_type=b/x");
      assertThat(store.exists("t/event_type=b/x")).isFalse();
    }
  }

  @Test
  void anUnreachableStoreIsAnIoExceptionTheLoaderRetries(@TempDir Path tmp) throws Exception {
    try (MinioObjectStore store = new MinioObjectStore("http://127.0.0.1:1", "us-east-1", "a", "s",
        "b", 5L * MIB, Duration.ofSeconds(2))) {
      assertThatThrownBy(() -> store.put("k", new byte[] {1})).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> store.list("k/")).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> store.exists("k")).isInstanceOf(IOException.class);
    }
  }
}
