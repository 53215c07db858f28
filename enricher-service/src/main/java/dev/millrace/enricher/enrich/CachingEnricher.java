package dev.millrace.enricher.enrich;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import dev.millrace.proto.views.EnrichItemBytes;
import dev.millrace.proto.views.EnrichResultBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Answers repeated inputs from a cache and sends only the misses, in one call.
 *
 * <p>The key is the item without its id (same type, context, client IP and payload), so two events
 * that carry the same inputs share one result. Only successful results are kept: an error may be
 * transient on the server's side. Safe because the enrichment is a function of its input (the
 * pseudonyms are keyed hashes); the time-to-live bounds how long a rules change takes to show.
 */
public final class CachingEnricher implements Enricher {

  private final Enricher delegate;
  private final Cache<ByteString, EnrichResultBytes> cache;

  public CachingEnricher(Enricher delegate, long maxEntries, Duration ttl) {
    this.delegate = delegate;
    this.cache = Caffeine.newBuilder()
        .maximumSize(maxEntries)
        .expireAfterWrite(ttl)
        .recordStats()
        .build();
  }

  /** The cache, for metrics (hit ratio, size). */
  public Cache<ByteString, EnrichResultBytes> cache() {
    return cache;
  }

  @Override
  public CompletableFuture<List<EnrichResultBytes>> enrich(List<EnrichItemBytes> items) {
    EnrichResultBytes[] results = new EnrichResultBytes[items.size()];
    ByteString[] keys = new ByteString[items.size()];
    List<EnrichItemBytes> misses = new ArrayList<>();
    List<Integer> missIndex = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      EnrichItemBytes item = items.get(i);
      keys[i] = item.toBuilder().clearItemId().build().toByteString();
      EnrichResultBytes hit = cache.getIfPresent(keys[i]);
      if (hit != null) {
        results[i] = hit.toBuilder().setItemId(item.getItemId()).build();
      } else {
        misses.add(item);
        missIndex.add(i);
      }
    }
    if (misses.isEmpty()) {
      return CompletableFuture.completedFuture(List.of(results));
    }
    return delegate.enrich(misses).thenApply(answered -> {
      for (int m = 0; m < misses.size(); m++) {
        int i = missIndex.get(m);
        EnrichResultBytes r = answered.get(m);
        results[i] = r;
        if (r.hasEnrichment()) {
          cache.put(keys[i], r.toBuilder().clearItemId().build());
        }
      }
      return List.of(results);
    });
  }
}
