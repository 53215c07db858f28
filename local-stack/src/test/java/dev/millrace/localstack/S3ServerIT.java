package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class S3ServerIT {

  private static final int MIB = 1024 * 1024;

  private final S3Server s3;

  S3ServerIT(S3Server s3) {
    this.s3 = s3;
  }

  @Test
  void multipartUploadIsListedAndReadBackByteForByte() throws Exception {
    byte[] data = new byte[12 * MIB + 123];
    new Random(42).nextBytes(data);
    try (MinioClient minio = client(s3)) {
      minio.makeBucket(MakeBucketArgs.builder().bucket("multipart").build());
      // 5 MiB parts: three parts, the minimum part size both MinIO and S3 accept.
      minio.putObject(PutObjectArgs.builder().bucket("multipart").object("batch/part-0.parquet")
          .stream(new ByteArrayInputStream(data), (long) data.length, 5L * MIB).build());

      List<String> listed = new ArrayList<>();
      for (Result<Item> item : minio.listObjects(ListObjectsArgs.builder().bucket("multipart")
          .prefix("batch/").recursive(true).build())) {
        listed.add(item.get().objectName() + ":" + item.get().size());
      }
      assertThat(listed).containsExactly("batch/part-0.parquet:" + data.length);
      // A multipart ETag is "<md5 of part md5s>-<part count>".
      assertThat(minio.statObject(StatObjectArgs.builder().bucket("multipart")
          .object("batch/part-0.parquet").build()).etag()).endsWith("-3");
      try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket("multipart")
          .object("batch/part-0.parquet").build())) {
        assertThat(sha256(in.readAllBytes())).isEqualTo(sha256(data));
      }
    }
  }

  @Test
  void bucketCreatedByTheServerApiIsVisibleToClientsAndSurvivesARestart() throws Exception {
    s3.createBucket("created-by-local-stack");
    s3.createBucket("created-by-local-stack"); // idempotent
    String endpoint = s3.endpoint();
    try (MinioClient minio = client(s3)) {
      minio.putObject(PutObjectArgs.builder().bucket("created-by-local-stack").object("a.txt")
          .stream(new ByteArrayInputStream("hello".getBytes()), 5L, -1L).build());
    }

    s3.stop();
    assertThat(s3.isRunning()).isFalse();
    s3.start();

    assertThat(s3.endpoint()).isEqualTo(endpoint);
    try (MinioClient minio = client(s3);
         InputStream in = minio.getObject(GetObjectArgs.builder().bucket("created-by-local-stack")
             .object("a.txt").build())) {
      assertThat(minio.bucketExists(BucketExistsArgs.builder().bucket("created-by-local-stack").build()))
          .isTrue();
      assertThat(new String(in.readAllBytes())).isEqualTo("hello");
    }
  }

  private static MinioClient client(S3Server s3) {
    return MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
        .region(s3.region()).build();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
