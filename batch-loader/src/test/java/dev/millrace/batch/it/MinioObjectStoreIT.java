package dev.millrace.batch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.batch.store.MinioObjectStore;
import dev.millrace.localstack.LocalStackExtension;
import dev.millrace.localstack.S3Server;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import dev.millrace.batch.store.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    // A valid bucket name, so the calls reach the network (the SDK rejects a name like "b" first).
    try (MinioObjectStore store = new MinioObjectStore("http://127.0.0.1:1", "us-east-1", "a", "s",
        "unreachable", 5L * MIB, Duration.ofSeconds(2))) {
      assertThatThrownBy(() -> store.put("k", new byte[] {1})).isInstanceOf(IOException.class)
          .hasMessageNotContaining("bucket name");
      assertThatThrownBy(() -> store.list("k/")).isInstanceOf(IOException.class)
          .hasMessageNotContaining("bucket name");
      assertThatThrownBy(() -> store.exists("k")).isInstanceOf(IOException.class)
          .hasMessageNotContaining("bucket name");
    }
  }

  @Test
  void aFileGoesUpOnePartPerCallAndAnAbortedUploadNeverBecomesAnObject(S3Server s3,
      @TempDir Path tmp) throws Exception {
    s3.createBucket("store-steps");
    byte[] data = new byte[11 * MIB];
    new Random(2).nextBytes(data);
    Path file = Files.write(tmp.resolve("big.parquet"), data);
    long part = 5L * MIB;
    try (MinioObjectStore store = new MinioObjectStore(s3.endpoint(), s3.region(), s3.accessKey(),
        s3.secretKey(), "store-steps", part, Duration.ofSeconds(30))) {
      assertThat(store.partSize()).isEqualTo(part);
      String key = "t/event_type=a/dt=2026-01-01/hour=00/stepped.parquet";
      String id = store.startMultipart(key);
      List<ObjectStore.Part> parts = new ArrayList<>();
      for (long offset = 0; offset < data.length; offset += part) {
        parts.add(store.uploadPart(key, id, parts.size() + 1, file, offset,
            Math.min(part, data.length - offset)));
      }
      assertThat(store.exists(key)).as("not visible before completion").isFalse();
      store.completeMultipart(key, id, parts);
      assertThat(store.get(key)).hasValue(data);

      String abandoned = "t/event_type=a/dt=2026-01-01/hour=00/abandoned.parquet";
      String other = store.startMultipart(abandoned);
      ObjectStore.Part first = store.uploadPart(abandoned, other, 1, file, 0, part);
      store.abortMultipart(abandoned, other);
      // A zombie that still tries to finish an aborted upload gets an error, not an object.
      assertThatThrownBy(() -> store.completeMultipart(abandoned, other, List.of(first)))
          .isInstanceOf(IOException.class);
      assertThat(store.exists(abandoned)).isFalse();
    }
  }

  /**
   * A server that accepts requests and then either never answers or answers a byte every 200 ms:
   * the read timeout alone never fires on the second, only a timeout over the whole call does.
   */
  private static final class StuckServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0);
    private final List<Socket> clients = new ArrayList<>();

    StuckServer(boolean trickle) throws IOException {
      Thread accept = new Thread(() -> {
        while (!socket.isClosed()) {
          try {
            Socket client = socket.accept();
            synchronized (clients) {
              clients.add(client);
            }
            Thread serve = new Thread(() -> serve(client, trickle), "stuck-server-client");
            serve.setDaemon(true);
            serve.start();
          } catch (IOException e) {
            return;
          }
        }
      }, "stuck-server");
      accept.setDaemon(true);
      accept.start();
    }

    private static void serve(Socket client, boolean trickle) {
      try (client) {
        InputStream in = client.getInputStream();
        byte[] buffer = new byte[8192];
        in.read(buffer); // the request's head: enough to answer it
        if (!trickle) {
          Thread.sleep(Long.MAX_VALUE);
        }
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        for (int i = 0; i < 100_000; i++) {
          out.write('x');
          out.flush();
          Thread.sleep(200);
        }
      } catch (IOException | InterruptedException e) {
        // the client gave up: what the test wants
      }
    }

    String endpoint() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      synchronized (clients) {
        for (Socket c : clients) {
          c.close();
        }
      }
    }
  }

  @Test
  void aStoreThatNeverAnswersOrTricklesItsAnswerFailsEveryCallWithinTheRequestTimeout(
      @TempDir Path tmp) throws Exception {
    Duration timeout = Duration.ofSeconds(1);
    Path file = Files.write(tmp.resolve("f.parquet"), new byte[1024]);
    try (StuckServer silent = new StuckServer(false); StuckServer trickling = new StuckServer(true);
         MinioObjectStore hung = new MinioObjectStore(silent.endpoint(), "us-east-1", "a", "s",
             "stuck-bucket", 5L * MIB, timeout);
         MinioObjectStore slow = new MinioObjectStore(trickling.endpoint(), "us-east-1", "a", "s",
             "stuck-bucket", 5L * MIB, timeout)) {
      List<ThrowingCall> calls = List.of(
          () -> hung.put("k", new byte[] {1}),
          () -> hung.exists("k"),
          () -> hung.list("k/"),
          () -> hung.upload("k", file),
          () -> hung.startMultipart("k"),
          () -> hung.uploadPart("k", "id", 1, file, 0, 1024),
          () -> hung.abortMultipart("k", "id"),
          // 100,000 bytes at one every 200 ms: five and a half hours without a call timeout.
          () -> slow.get("k"));
      for (ThrowingCall call : calls) {
        long started = System.nanoTime();
        assertThatThrownBy(call::run).isInstanceOf(IOException.class)
            .hasMessageNotContaining("bucket name");
        assertThat(Duration.ofNanos(System.nanoTime() - started))
            .as("a stuck call waits for the server, and ends near the request timeout")
            .isBetween(timeout.minusMillis(100), Duration.ofSeconds(10));
      }
    }
  }

  @FunctionalInterface
  private interface ThrowingCall {
    void run() throws Exception;
  }
}
