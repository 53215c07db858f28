package dev.millrace.bench.enrichment;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.millrace.bench.BenchContext;
import dev.millrace.bench.Benchmark;
import dev.millrace.bench.Result;
import dev.millrace.enrichment.config.EnrichmentConfig;
import dev.millrace.enrichment.grpc.EnrichmentServer;
import dev.millrace.proto.v1.Context;
import dev.millrace.proto.v1.EnrichItem;
import dev.millrace.proto.v1.EnrichRequest;
import dev.millrace.proto.v1.EnrichResponse;
import dev.millrace.proto.v1.EnrichmentServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The enrichment API over real Netty on loopback, every enrichment on, with a Zipf mix over ~1,000
 * realistic User-Agent strings: items/s at batch sizes 1 and 100 with several calls in flight (as
 * the enricher's stream threads make them), and the user-agent cache's hit ratio.
 */
public final class EnrichmentBenchmark implements Benchmark {

  static final String BATCH_100 = "enrichment api, batch 100 (Zipf over 1k UAs)";
  static final String BATCH_1 = "enrichment api, batch 1 (Zipf over 1k UAs)";
  private static final int TARGET_BATCH_100 = 30_000;

  @Override
  public int order() {
    return 200;
  }

  @Override
  public String name() {
    return "enrichment";
  }

  @Override
  public List<Result> run(BenchContext context) throws Exception {
    EnrichmentConfig config = EnrichmentConfig.builder()
        .piiKey("bench-key-not-a-secret-0123456789abcdef", "$.email")
        .build();
    UserAgentMix mix = new UserAgentMix(1000, 1.0, 42);
    Random random = new Random(7);
    List<Result> results = new ArrayList<>();
    try (EnrichmentServer server = EnrichmentServer.start(
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), config)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext().build();
      try {
        EnrichmentServiceGrpc.EnrichmentServiceStub stub = EnrichmentServiceGrpc.newStub(channel);
        // Warm-up: JIT, connections; the cache fills with the head of the distribution.
        measure(stub, mix, random, 100, context.scaled(20_000), 8);

        CacheStats before = stats(server);
        Run batch100 = measure(stub, mix, random, 100, context.scaled(300_000), 8);
        CacheStats during100 = stats(server).minus(before);
        results.add(batch100.result(BATCH_100).withNote(String.format(Locale.ROOT,
            "8 in flight; UA cache hit %.1f%%; %.0f us CPU/item (client+server); target >= %,d/s",
            100 * during100.hitRate(), batch100.cpuMicrosPerItem(), TARGET_BATCH_100)));

        before = stats(server);
        Run batch1 = measure(stub, mix, random, 1, context.scaled(40_000), 32);
        CacheStats during1 = stats(server).minus(before);
        results.add(batch1.result(BATCH_1).withNote(String.format(Locale.ROOT,
            "32 in flight; UA cache hit %.1f%%; %.0f us CPU/item (client+server)",
            100 * during1.hitRate(), batch1.cpuMicrosPerItem())));

        CacheStats total = stats(server);
        results.add(Result.throughput("enrichment api, UA cache lookups (whole run)",
                total.requestCount(), "lookups", batch100.seconds + batch1.seconds, 0)
            .withNote(String.format(Locale.ROOT, "hit ratio %.2f%% (%d misses, %d distinct UAs)",
                100 * total.hitRate(), total.missCount(), mix.distinct())));
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    return results;
  }

  private static CacheStats stats(EnrichmentServer server) {
    return server.enrichments().userAgentCacheStats().orElseThrow();
  }

  /** CPU time of this whole process (client and server), to read figures taken on a busy machine. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private record Run(long items, double seconds, long[] latenciesNanos, long cpuNanos) {
    double cpuMicrosPerItem() {
      return cpuNanos / 1e3 / items;
    }

    Result result(String row) {
      long[] sorted = latenciesNanos.clone();
      Arrays.sort(sorted);
      return Result.throughput(row, items, "items", seconds, 0)
          .withLatency(percentile(sorted, 0.50), percentile(sorted, 0.99));
    }

    private static double percentile(long[] sorted, double p) {
      if (sorted.length == 0) {
        return Double.NaN;
      }
      return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
  }

  private static Run measure(EnrichmentServiceGrpc.EnrichmentServiceStub stub, UserAgentMix mix,
                             Random random, int batchSize, int items, int inFlight) throws Exception {
    int calls = Math.max(1, items / batchSize);
    List<EnrichRequest> requests = new ArrayList<>(calls);
    for (int c = 0; c < calls; c++) {
      EnrichRequest.Builder request = EnrichRequest.newBuilder();
      for (int i = 0; i < batchSize; i++) {
        request.addItems(item(c * batchSize + i, mix, random));
      }
      requests.add(request.build());
    }
    Semaphore permits = new Semaphore(inFlight);
    CountDownLatch done = new CountDownLatch(calls);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long[] latencies = new long[calls];
    long cpuStart = processCpuNanos();
    long start = System.nanoTime();
    for (int c = 0; c < calls; c++) {
      permits.acquire();
      int index = c;
      long sent = System.nanoTime();
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).enrich(requests.get(c), new StreamObserver<>() {
        @Override
        public void onNext(EnrichResponse response) {
          if (response.getResultsCount() != batchSize) {
            failure.compareAndSet(null, new IllegalStateException("short answer"));
          }
        }

        @Override
        public void onError(Throwable t) {
          failure.compareAndSet(null, t);
          finish();
        }

        @Override
        public void onCompleted() {
          finish();
        }

        private void finish() {
          latencies[index] = System.nanoTime() - sent;
          permits.release();
          done.countDown();
        }
      });
    }
    if (!done.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("enrichment benchmark did not finish");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long cpu = processCpuNanos() - cpuStart;
    if (failure.get() != null) {
      throw new IllegalStateException("an enrichment call failed", failure.get());
    }
    return new Run((long) calls * batchSize, seconds, latencies, cpu);
  }

  private static final String[] REFERRERS = {"", "", "https://www.google.com/", "https://www.google.de/",
      "https://l.facebook.com/", "https://t.co/x1", "https://www.bing.com/search?q=shoes",
      "https://shop.example/cart", "https://news.example.org/article", "android-app://com.google.android.gm/"};

  private static EnrichItem item(int n, UserAgentMix mix, Random random) {
    String page = "https://shop.example/products/" + random.nextInt(500)
        + (random.nextInt(10) < 3 ? "?utm_source=newsletter&utm_medium=email&utm_campaign=spring" : "")
        + (random.nextInt(10) == 0 ? (random.nextBoolean() ? "&" : "?") + "gclid=EAIaIQobChMI" + n : "");
    String ip = random.nextInt(10) == 0
        ? "2001:db8:" + Integer.toHexString(random.nextInt(65536)) + "::" + Integer.toHexString(n & 0xffff)
        : (1 + random.nextInt(223)) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
    Context.Builder context = Context.newBuilder()
        .setUserAgent(mix.next(random))
        .setIp(ip)
        .setPageUrl(page)
        .setReferrer(REFERRERS[random.nextInt(REFERRERS.length)])
        .setAnonymousId("anon-" + random.nextInt(1_000_000))
        .setLocale(random.nextInt(10) < 8 ? "en-GB" : "");
    if (random.nextInt(10) < 4) {
      context.setUserId("user-" + random.nextInt(100_000));
    }
    return EnrichItem.newBuilder()
        .setItemId("evt-" + n)
        .setEventType("page_view")
        .setClientIp("198.51.100." + random.nextInt(256))
        .setContext(context)
        .setPayloadJson("{\"email\":\"user" + random.nextInt(100_000) + "@example.com\",\"sku\":\"SKU-"
            + random.nextInt(5000) + "\",\"price\":" + (1 + random.nextInt(200)) + ".99}")
        .build();
  }
}
