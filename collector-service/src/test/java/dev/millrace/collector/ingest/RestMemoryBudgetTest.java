package dev.millrace.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.JsonFormat;
import dev.millrace.collector.testing.FakeSink;
import dev.millrace.collector.testing.Fixtures;
import dev.millrace.collector.testing.TestCollector;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.RawEvent;
import jakarta.servlet.ServletInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.DelegatingServletInputStream;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The REST edge under a small memory budget, with a broker that acknowledges only when told: what
 * a request holds is bounded by the budget, past it the answer is 503 with Retry-After, and every
 * byte comes back, whatever the client does.
 */
class RestMemoryBudgetTest {

  private static final DataSize MAX_BODY = DataSize.ofKilobytes(256);
  private static final DataSize BUDGET = DataSize.ofMegabytes(2);

  private final TestCollector collector = new TestCollector(
      Fixtures.smallBudget(MAX_BODY, DataSize.ofKilobytes(256), BUDGET));
  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void pastTheBudgetARequestIs503WithRetryAfterAndEvery200EventIsInKafka() throws Exception {
    collector.sink.mode = FakeSink.Mode.HOLD;
    Map<CompletableFuture<ResponseEntity<byte[]>>, List<String>> waiting = new java.util.LinkedHashMap<>();
    ResponseEntity<byte[]> refused = null;
    for (int i = 0; i < 200 && refused == null; i++) {
      List<String> ids = ids(100);
      CompletableFuture<ResponseEntity<byte[]>> answer = collector.rest.post(request(body(ids)));
      if (answer.isDone()) {
        refused = answer.join();
      } else {
        waiting.put(answer, ids);
        assertThat(collector.budget.reservedBytes())
            .as("records awaiting Kafka's ack are counted").isGreaterThanOrEqualTo(collector.sink.heldBytes());
      }
    }

    assertThat(refused).as("a broker that does not acknowledge fills the budget").isNotNull();
    assertThat(waiting).isNotEmpty();
    assertThat(refused.getStatusCode().value()).isEqualTo(503);
    assertThat(refused.getHeaders().getFirst("Retry-After")).isEqualTo("2");
    assertThat(refused.getHeaders().getContentType()).hasToString("application/problem+json");
    JsonNode problem = json.readTree(refused.getBody());
    assertThat(problem.get("status").asInt()).isEqualTo(503);
    assertThat(problem.get("detail").asString()).contains("memory budget");
    assertThat(problem.get("request_id").asString()).isEqualTo(refused.getHeaders().getFirst("X-Request-Id"));
    assertThat(collector.registry.get("millrace.collector.memory.refusals").tag("transport", "rest")
        .counter().count()).isEqualTo(1.0);
    assertThat(collector.budget.peakBytes()).isLessThanOrEqualTo(BUDGET.toBytes());

    collector.sink.acknowledgeHeld();

    Set<String> inKafka = rawEventIds();
    for (var entry : waiting.entrySet()) {
      ResponseEntity<byte[]> r = entry.getKey().get(5, TimeUnit.SECONDS);
      assertThat(r.getStatusCode().value()).isEqualTo(200);
      assertThat(result(r).getAccepted()).isEqualTo(100);
      assertThat(inKafka).as("a 200 means every accepted event is in Kafka").containsAll(entry.getValue());
    }
    assertThat(collector.budget.reservedBytes()).isZero();
  }

  @Test
  void concurrentLargeAndGzipRequestsAndGzipBombsNeverHoldMoreThanTheBudget() throws Exception {
    collector.sink.mode = FakeSink.Mode.HOLD;
    byte[] bomb = gzip(" ".repeat(20 * 1024 * 1024) + "[]");
    List<String> first = ids(200);
    // sent alone first, so that at least one request surely fits
    List<Sent> all = new ArrayList<>(List.of(new Sent(collector.rest.post(request(body(first))), first)));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<List<Sent>>> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      threads.add(pool.submit(() -> {
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          List<String> ids = ids(200);
          MockHttpServletRequest request = switch (i % 3) {
            case 0 -> request(body(ids));
            case 1 -> gzipped(request(gzip(body(ids))));
            default -> gzipped(request(bomb));
          };
          sent.add(new Sent(collector.rest.post(request), i % 3 == 2 ? List.of() : ids));
          assertThat(collector.budget.reservedBytes()).isLessThanOrEqualTo(BUDGET.toBytes());
        }
        return sent;
      }));
    }
    for (Future<List<Sent>> f : threads) {
      all.addAll(f.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();
    collector.sink.acknowledgeHeld();

    Set<String> inKafka = rawEventIds();
    int ok = 0;
    int unavailable = 0;
    for (Sent s : all) {
      ResponseEntity<byte[]> r = s.answer().get(5, TimeUnit.SECONDS);
      int status = r.getStatusCode().value();
      if (s.ids().isEmpty()) {
        assertThat(status).as("a gzip bomb is refused: too large, or not even decompressed").isIn(413, 503);
      } else {
        assertThat(status).isIn(200, 503);
      }
      if (status == 200) {
        ok++;
        assertThat(inKafka).containsAll(s.ids());
      } else if (status == 503) {
        unavailable++;
        assertThat(r.getHeaders().getFirst("Retry-After")).isNotNull();
      }
    }
    // 32 requests of ~250 KB of records each, none acknowledged while they were sent: not all fit.
    assertThat(ok).isPositive();
    assertThat(unavailable).isPositive();
    assertThat(collector.budget.peakBytes()).isLessThanOrEqualTo(BUDGET.toBytes());
    assertThat(collector.budget.reservedBytes()).isZero();
  }

  private record Sent(CompletableFuture<ResponseEntity<byte[]>> answer, List<String> ids) {}

  @Test
  void aGzipBombCostsAtMostItsCompressedSizePlusTheBodyLimit() throws Exception {
    byte[] bomb = gzip(" ".repeat(20 * 1024 * 1024) + "[]");

    ResponseEntity<byte[]> r = collector.rest.post(gzipped(request(bomb))).get(5, TimeUnit.SECONDS);

    assertThat(r.getStatusCode().value()).isEqualTo(413);
    assertThat(collector.budget.peakBytes()).isLessThanOrEqualTo(bomb.length + MAX_BODY.toBytes() + 1);
    assertThat(collector.budget.reservedBytes()).isZero();
    assertThat(collector.sink.records).isEmpty();
  }

  @Test
  void aDeclaredBodyTheBudgetCannotTakeIsRefusedBeforeAByteIsRead() throws Exception {
    collector.sink.mode = FakeSink.Mode.HOLD;
    fillTheBudget();
    long before = collector.budget.reservedBytes();
    AtomicLong read = new AtomicLong();
    byte[] body = body(ids(200));
    MockHttpServletRequest request = streaming(new CountingStream(body, read), body.length);

    ResponseEntity<byte[]> r = collector.rest.post(request).get(5, TimeUnit.SECONDS);

    assertThat(r.getStatusCode().value()).isEqualTo(503);
    assertThat(read.get()).as("bytes read of the refused body").isZero();
    assertThat(collector.budget.reservedBytes()).isEqualTo(before);
  }

  @Test
  void aClientThatDisconnectsMidBodyGivesBackEverything() throws Exception {
    collector.sink.mode = FakeSink.Mode.HOLD;
    CompletableFuture<ResponseEntity<byte[]>> held = collector.rest.post(request(body(ids(50))));
    long before = collector.budget.reservedBytes();
    byte[] body = body(ids(200));

    for (long declared : new long[] {body.length, -1}) {
      MockHttpServletRequest cut = streaming(new BrokenStream(body, 100 * 1024), declared);
      assertThatThrownBy(() -> collector.rest.post(cut)).as("declared length " + declared)
          .isInstanceOf(IOException.class);
      assertThat(collector.budget.reservedBytes()).isEqualTo(before);
    }

    collector.sink.acknowledgeHeld();
    assertThat(held.get(5, TimeUnit.SECONDS).getStatusCode().value()).isEqualTo(200);
    assertThat(collector.budget.reservedBytes()).isZero();
  }

  @Test
  void whenKafkaNeverAcknowledgesTheRequestIs503AndItsBytesComeBack() throws Exception {
    collector.sink.mode = FakeSink.Mode.HOLD;
    CompletableFuture<ResponseEntity<byte[]>> answer = collector.rest.post(request(body(ids(100))));
    assertThat(collector.budget.reservedBytes()).isPositive();

    collector.sink.failHeld();

    ResponseEntity<byte[]> r = answer.get(5, TimeUnit.SECONDS);
    assertThat(r.getStatusCode().value()).isEqualTo(503);
    assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).doesNotContain("ACCEPTED");
    assertThat(collector.budget.reservedBytes()).isZero();
  }

  @Test
  void theBudgetIsExposedAsMetrics() throws Exception {
    collector.sink.mode = FakeSink.Mode.HOLD;
    collector.rest.post(request(body(ids(10))));

    assertThat(collector.registry.get("millrace.collector.memory.reserved").gauge().value()).isPositive();
    assertThat(collector.registry.get("millrace.collector.memory.reserved.peak").gauge().value()).isPositive();
    assertThat(collector.registry.get("millrace.collector.memory.budget").gauge().value())
        .isEqualTo((double) BUDGET.toBytes());
  }

  /**
   * Sends requests that Kafka does not acknowledge, of 100, then 10, then 1 event, each size until
   * one is refused: afterwards not even a few KB are free.
   */
  private void fillTheBudget() throws Exception {
    for (int events : new int[] {100, 10, 1}) {
      int i = 0;
      while (!collector.rest.post(request(body(ids(events)))).isDone()) {
        if (++i > 2000) {
          throw new AssertionError("the budget never filled");
        }
      }
    }
  }

  private Set<String> rawEventIds() {
    Set<String> ids = new HashSet<>();
    collector.sink.on("raw").forEach(r -> {
      try {
        ids.add(RawEvent.parseFrom(r.value()).getEvent().getEventId());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    return ids;
  }

  private static List<String> ids(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(Fixtures.uuid());
    }
    return ids;
  }

  /** About 1 KB per event. */
  private static byte[] body(List<String> ids) {
    StringBuilder b = new StringBuilder("[");
    for (String id : ids) {
      b.append(b.length() == 1 ? "" : ",").append(Fixtures.event(id, "{\"pad\":\"" + "x".repeat(800) + "\"}"));
    }
    return b.append(']').toString().getBytes(StandardCharsets.UTF_8);
  }

  private static MockHttpServletRequest request(byte[] body) {
    MockHttpServletRequest r = new MockHttpServletRequest("POST", "/v1/events");
    r.setContentType("application/json");
    r.addHeader(WireNames.WRITE_KEY_HTTP_HEADER, Fixtures.WRITE_KEY);
    r.setContent(body);
    return r;
  }

  private static MockHttpServletRequest gzipped(MockHttpServletRequest r) {
    r.addHeader("Content-Encoding", "gzip");
    return r;
  }

  /** A request whose body comes from {@code in}, declared {@code declared} bytes long (-1: chunked). */
  private static MockHttpServletRequest streaming(InputStream in, long declared) {
    MockHttpServletRequest r = new MockHttpServletRequest("POST", "/v1/events") {
      @Override
      public ServletInputStream getInputStream() {
        return new DelegatingServletInputStream(in);
      }

      @Override
      public long getContentLengthLong() {
        return declared;
      }
    };
    r.setContentType("application/json");
    r.addHeader(WireNames.WRITE_KEY_HTTP_HEADER, Fixtures.WRITE_KEY);
    return r;
  }

  private BatchResult result(ResponseEntity<byte[]> r) throws Exception {
    BatchResult.Builder b = BatchResult.newBuilder();
    JsonFormat.parser().merge(new String(r.getBody(), StandardCharsets.UTF_8), b);
    return b.build();
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  private static byte[] gzip(String text) throws IOException {
    return gzip(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Counts the bytes the collector reads. */
  private static final class CountingStream extends java.io.ByteArrayInputStream {
    private final AtomicLong read;

    CountingStream(byte[] bytes, AtomicLong read) {
      super(bytes);
      this.read = read;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      int n = super.read(b, off, len);
      read.addAndGet(Math.max(0, n));
      return n;
    }

    @Override
    public synchronized int read() {
      int c = super.read();
      read.addAndGet(c < 0 ? 0 : 1);
      return c;
    }
  }

  /** A client that goes away after {@code cutAt} bytes: the container's read throws. */
  private static final class BrokenStream extends InputStream {
    private final byte[] bytes;
    private final int cutAt;
    private int at;

    BrokenStream(byte[] bytes, int cutAt) {
      this.bytes = bytes;
      this.cutAt = cutAt;
    }

    @Override
    public int read() throws IOException {
      if (at >= cutAt) {
        throw new IOException("Connection reset by peer");
      }
      return bytes[at++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (at >= cutAt) {
        throw new IOException("Connection reset by peer");
      }
      int n = Math.min(len, cutAt - at);
      System.arraycopy(bytes, at, b, off, n);
      at += n;
      return n;
    }
  }
}
