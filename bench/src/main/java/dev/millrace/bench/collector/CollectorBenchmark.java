package dev.millrace.bench.collector;

import dev.millrace.bench.BenchContext;
import dev.millrace.bench.Baselines;
import dev.millrace.bench.Benchmark;
import dev.millrace.bench.Result;
import dev.millrace.collector.CollectorApplication;
import dev.millrace.collector.auth.WriteKeys;
import dev.millrace.localstack.KafkaServer;
import dev.millrace.localstack.LocalStack;
import dev.millrace.proto.WireNames;
import dev.millrace.proto.v1.BatchResult;
import dev.millrace.proto.v1.CollectorServiceGrpc;
import dev.millrace.proto.v1.Event;
import dev.millrace.proto.v1.EventBatch;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The collector end to end on the local-stack broker: an embedded collector (HTTP and gRPC on
 * loopback) answering only after Kafka acked every record, so each row is "events durably in Kafka
 * per second". Compared to the raw producer baseline measured in the same run, with the same
 * broker, partitions and (no) compression.
 */
public final class CollectorBenchmark implements Benchmark {

  private static final String KEY = "bench-" + UUID.randomUUID();
  private static final int BATCH = 100;
  private static final int CLIENTS = 32;
  private static final String PADDING = "x".repeat(700);
  private static final MediaType JSON = MediaType.get("application/json");

  @Override
  public int order() {
    return 100;
  }

  @Override
  public String name() {
    return "collector";
  }

  @Override
  public List<Result> run(BenchContext context) throws Exception {
    KafkaServer kafka = LocalStack.kafka();
    String prefix = "bench-collector-" + UUID.randomUUID().toString().substring(0, 8);
    kafka.createTopics(3, prefix + ".raw", prefix + ".dead");
    Map<String, Object> props = new HashMap<>();
    props.put("server.port", "0");
    props.put("millrace.collector.grpc.port", "0");
    props.put("millrace.collector.write-keys.bench", WriteKeys.hash(KEY));
    props.put("millrace.collector.topics.raw", prefix + ".raw");
    props.put("millrace.collector.topics.dead-letter", prefix + ".dead");
    props.put("millrace.collector.kafka.bootstrap.servers", kafka.bootstrapServers());
    // Same as the baseline (and local-stack's broker has no lz4/zstd codec on its classpath).
    props.put("millrace.collector.kafka.compression.type", "none");
    props.put("logging.level.root", "WARN");
    props.put("server.tomcat.threads.max", "64");

    List<Result> rows = new ArrayList<>();
    try (CollectorApplication.Running collector = CollectorApplication.start(props)) {
      // The load generator shares the two cores with the collector and the broker, so it should
      // cost as little as it can: OkHttp's blocking calls run on the calling thread, with none of
      // java.net.http's hand-offs to a selector thread and an executor (0.2-0.4 of a core here).
      OkHttpClient http = new OkHttpClient.Builder()
          .protocols(List.of(Protocol.HTTP_1_1))
          .connectionPool(new ConnectionPool(4 * CLIENTS, 5, TimeUnit.MINUTES))
          .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(60))
          .retryOnConnectionFailure(false)
          .build();
      String base = "http://127.0.0.1:" + collector.httpPort();
      Api nativeApi = new Api(base + "/v1/events", WireNames.WRITE_KEY_HTTP_HEADER, KEY,
          CollectorBenchmark::body, "collector http");
      Api segment = new Api(base + "/v1/batch", "Authorization", "Basic " + java.util.Base64.getEncoder()
          .encodeToString((KEY + ":").getBytes(StandardCharsets.UTF_8)), CollectorBenchmark::segmentBody,
          "collector segment /v1/batch");

      // A request waits for acks=all before it is answered, so one client has one batch in flight;
      // like the baseline's async producer, throughput needs many requests in flight.
      // Warm-up: JIT, connections, producer batches.
      BenchContext.warmUp(Duration.ofSeconds(60), () -> http(http, nativeApi, CLIENTS, context.scaled(1_000), BATCH));
      Result batches = http(http, nativeApi, CLIENTS, context.scaled(2_000), BATCH)
          .withNote(CLIENTS + " clients, 100 events (~1 KB) per request; target >= 0.5x")
          .comparedTo(Baselines.KAFKA_PRODUCER);
      rows.add(batches);
      // Segment's API, same clients, events per request and event size: its own decoding and mapping
      // against the native API's, both with the same Kafka path behind them.
      BenchContext.warmUp(Duration.ofSeconds(30), () -> http(http, segment, CLIENTS, context.scaled(1_000), BATCH));
      rows.add(http(http, segment, CLIENTS, context.scaled(2_000), BATCH)
          .withNote(CLIENTS + " clients, 100 track messages (~1 KB) per request; target >= 0.8x the native row")
          .comparedTo(batches.row()));
      rows.add(http(http, nativeApi, 2 * CLIENTS, context.scaled(20_000), 1)
          .withNote(2 * CLIENTS + " clients, one event per request")
          .comparedTo(Baselines.KAFKA_PRODUCER));
      http.connectionPool().evictAll();

      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", collector.grpcPort())
          .usePlaintext().maxInboundMessageSize(64 << 20).build();
      try {
        BenchContext.warmUp(Duration.ofSeconds(45), () -> stream(channel, context.scaled(1_000)));
        rows.add(stream(channel, context.scaled(2_000))
            .withNote("one client stream of 100-event messages; latency = the whole call")
            .comparedTo(Baselines.KAFKA_PRODUCER));
      } finally {
        channel.shutdownNow();
      }
    }
    return rows;
  }

  /** An HTTP API: where to post, how to authenticate, how a body of n events is written. */
  private record Api(String uri, String header, String value, java.util.function.IntFunction<byte[]> body,
                     String row) {}

  /** {@code requests} POSTs of {@code perRequest} events from {@code clients} threads. */
  private static Result http(OkHttpClient http, Api api, int clients, int requests, int perRequest)
      throws Exception {
    long[] latencies = new long[requests];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    // Bodies are built before the clock starts, as the baseline pre-builds its records: the row
    // measures the collector, not JSON building on the same two cores. Event ids repeat across
    // bodies, which the collector does not mind (deduplication is downstream).
    byte[][] bodies = new byte[Math.min(requests, 64)][];
    for (int i = 0; i < bodies.length; i++) {
      bodies[i] = api.body().apply(perRequest);
    }
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long bytes;
    long began = System.nanoTime();
    try {
      List<Future<Long>> sent = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        sent.add(pool.submit(() -> {
          long b = 0;
          for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
            byte[] body = bodies[i % bodies.length];
            b += body.length;
            long start = System.nanoTime();
            Request request = new Request.Builder().url(api.uri())
                .header(api.header(), api.value())
                .post(RequestBody.create(body, JSON)).build();
            try (Response r = http.newCall(request).execute()) {
              r.body().bytes(); // read to the end, so the connection is reused
              latencies[i] = System.nanoTime() - start;
              if (r.code() != 200) {
                failures.incrementAndGet();
              }
            }
          }
          return b;
        }));
      }
      bytes = 0;
      for (Future<Long> f : sent) {
        bytes += f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " of " + requests + " requests were not answered 200");
    }
    String row = perRequest == 1 ? api.row() + ", single events"
        : api.row() + ", batches of " + perRequest + " events";
    return Result.throughput(row, (long) requests * perRequest, "events", seconds, bytes)
        .withLatency(percentile(latencies, 50), percentile(latencies, 99));
  }

  private static Result stream(ManagedChannel channel, int batches) throws Exception {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of(WireNames.WRITE_KEY_GRPC_METADATA, Metadata.ASCII_STRING_MARSHALLER), KEY);
    CompletableFuture<BatchResult> answer = new CompletableFuture<>();
    StreamObserver<EventBatch> requests = CollectorServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .withDeadlineAfter(10, TimeUnit.MINUTES)
        .sendStream(new StreamObserver<>() {
          @Override
          public void onNext(BatchResult value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
          }
        });
    EventBatch[] messages = new EventBatch[Math.min(batches, 64)];
    for (int m = 0; m < messages.length; m++) {
      EventBatch.Builder batch = EventBatch.newBuilder();
      for (int i = 0; i < BATCH; i++) {
        batch.addEvents(protoEvent());
      }
      messages[m] = batch.build();
    }
    long bytes = 0;
    long began = System.nanoTime();
    for (int b = 0; b < batches; b++) {
      EventBatch message = messages[b % messages.length];
      bytes += message.getSerializedSize();
      requests.onNext(message);
    }
    requests.onCompleted();
    BatchResult result = answer.get(10, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - began) / 1e9;
    if (result.getAccepted() != batches * BATCH) {
      throw new IllegalStateException("stream accepted " + result.getAccepted() + " of " + batches * BATCH);
    }
    double millis = seconds * 1000;
    return Result.throughput("collector grpc, one stream", (long) batches * BATCH, "events", seconds, bytes)
        .withLatency(millis, millis);
  }

  private static byte[] body(int events) {
    StringBuilder json = new StringBuilder(events * 1100).append('[');
    String now = Instant.now().toString();
    for (int i = 0; i < events; i++) {
      json.append(i == 0 ? "" : ",")
          .append("{\"event_id\":\"").append(UUID.randomUUID())
          .append("\",\"event_type\":\"page_view\",\"schema_version\":\"1-0-0\",\"occurred_at\":\"")
          .append(now).append("\",\"source\":\"bench\",\"context\":{\"user_agent\":\"Mozilla/5.0 (X11; Linux x86_64)\",")
          .append("\"page_url\":\"https://shop.example/p/123?utm_source=bench\",\"user_id\":\"u-42\"},")
          .append("\"payload\":{\"sku\":\"A-1\",\"price\":12.50,\"note\":\"").append(PADDING).append("\"}}");
    }
    return json.append(']').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A Segment batch of track messages as analytics-node writes them, each about as large as {@link #body}'s events. */
  private static byte[] segmentBody(int events) {
    StringBuilder json = new StringBuilder(events * 1100).append("{\"batch\":[");
    String now = Instant.now().toString();
    for (int i = 0; i < events; i++) {
      json.append(i == 0 ? "" : ",")
          .append("{\"type\":\"track\",\"messageId\":\"").append(UUID.randomUUID())
          .append("\",\"event\":\"Product Viewed\",\"userId\":\"u-42\",\"timestamp\":\"").append(now)
          .append("\",\"context\":{\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64)\",")
          .append("\"page\":{\"url\":\"https://shop.example/p/123?utm_source=bench\"},")
          .append("\"library\":{\"name\":\"@segment/analytics-node\",\"version\":\"2.1.0\"}},")
          .append("\"properties\":{\"sku\":\"A-1\",\"price\":12.50,\"note\":\"").append(PADDING).append("\"},")
          .append("\"_metadata\":{\"nodeVersion\":\"20.11.0\",\"jsRuntime\":\"node\"}}");
    }
    return json.append("],\"sentAt\":\"").append(now).append("\"}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static Event protoEvent() {
    Instant now = Instant.now();
    return Event.newBuilder().setEventId(UUID.randomUUID().toString()).setEventType("page_view")
        .setSchemaVersion("1-0-0")
        .setOccurredAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
        .setSource("bench")
        .setContext(dev.millrace.proto.v1.Context.newBuilder().setUserAgent("Mozilla/5.0 (X11; Linux x86_64)")
            .setPageUrl("https://shop.example/p/123?utm_source=bench").setUserId("u-42"))
        .setPayloadJson("{\"sku\":\"A-1\",\"price\":12.50,\"note\":\"" + PADDING + "\"}")
        .build();
  }

  private static double percentile(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }
}
