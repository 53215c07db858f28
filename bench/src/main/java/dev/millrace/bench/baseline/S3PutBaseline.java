package dev.millrace.bench.baseline;

import dev.millrace.bench.BenchContext;
import dev.millrace.bench.Baselines;
import dev.millrace.bench.Benchmark;
import dev.millrace.bench.Result;
import dev.millrace.localstack.LocalStack;
import dev.millrace.localstack.S3Server;
import io.minio.Checksum;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Raw S3: sequential single-request PUTs of 16 MiB objects through the MinIO SDK, the object size
 * the batch loader aims its Parquet files at. The ceiling for the batch loader.
 */
public final class S3PutBaseline implements Benchmark {

  static final int OBJECT_BYTES = 16 * 1024 * 1024;

  @Override
  public int order() {
    return 30;
  }

  @Override
  public String name() {
    return "s3";
  }

  @Override
  public List<Result> run(BenchContext context) throws Exception {
    S3Server s3 = LocalStack.s3();
    String bucket = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    s3.createBucket(bucket);
    byte[] data = new byte[OBJECT_BYTES];
    new Random(3).nextBytes(data);
    int count = context.scaled(32);
    try (MinioClient minio = MinioClient.builder().endpoint(s3.endpoint())
        .credentials(s3.accessKey(), s3.secretKey()).region(s3.region()).build()) {
      // s3proxy is a JVM of its own: PUTs for at least ten seconds warm it (and this JVM) up.
      int[] warmed = {0};
      BenchContext.warmUp(Duration.ofSeconds(10), Duration.ofSeconds(30), () -> {
        put(minio, bucket, "warmup/" + warmed[0]++, data);
        put(minio, bucket, "warmup/" + warmed[0]++, data);
      });
      Latencies latencies = new Latencies(count);
      long began = System.nanoTime();
      for (int i = 0; i < count; i++) {
        long start = System.nanoTime();
        put(minio, bucket, "objects/" + i, data);
        latencies.add(System.nanoTime() - start);
      }
      double seconds = (System.nanoTime() - began) / 1e9;
      return List.of(Result.throughput(Baselines.S3_PUT, count, "objects", seconds,
              (long) count * OBJECT_BYTES)
          .withLatency(latencies.percentileMillis(50), latencies.percentileMillis(99))
          .withNote("one PUT per object, sequential, s3proxy filesystem; up in "
              + KafkaBaseline.seconds(LocalStack.lastStartup("s3"))));
    }
  }

  private static void put(MinioClient minio, String bucket, String name, byte[] data) throws Exception {
    // Part size = object size: one PUT request, no multipart. The checksum is the batch loader's
    // (CRC32, hardware-accelerated), so the two rows compare the store, not the SDK's default hash.
    minio.putObject(PutObjectArgs.builder().bucket(bucket).object(name)
        .stream(new ByteArrayInputStream(data), (long) data.length, (long) data.length)
        .checksum(Checksum.Algorithm.CRC32).build());
  }
}
