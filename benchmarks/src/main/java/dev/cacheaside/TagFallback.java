package dev.cacheaside;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Lets the benchmarks run over a store that does not implement the table tags of
 * {@link CacheStore#tag} yet: the engine tags every miss before loading and returns the result
 * uncached when tagging fails, so without tags nothing would ever be a hit. {@link #wrapIfNeeded}
 * probes the store once; a store with tags is returned as it is, one without is wrapped in a
 * decorator whose {@code tag} completes at once without registering anything (so table
 * invalidation does not work through it, and the miss path lacks the tag's round trip). Every
 * other call goes straight to the store, so the hit path is the store's own. Benchmarks only.
 */
public final class TagFallback implements CacheStore {

    private final CacheStore delegate;

    private TagFallback(CacheStore delegate) {
        this.delegate = delegate;
    }

    /** Whether {@code store} answers {@link CacheStore#tag}; probes it once (blocking, up to 5 s). */
    public static boolean hasTags(CacheStore store) {
        try {
            store.tag(List.of("bench:probe:tag"), "bench:probe:key", Duration.ofSeconds(1)).block(Duration.ofSeconds(5));
            return true;
        } catch (RuntimeException e) {
            return !String.valueOf(e.getMessage()).contains("has no tags");
        }
    }

    /** {@code store} itself when it has tags, otherwise the decorator. */
    public static CacheStore wrapIfNeeded(CacheStore store) {
        return hasTags(store) ? store : new TagFallback(store);
    }

    @Override
    public Mono<byte[]> get(String key) {
        return delegate.get(key);
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        return delegate.set(key, value, ttl);
    }

    @Override
    public Mono<Boolean> delete(String key) {
        return delegate.delete(key);
    }

    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        return delegate.getOrLease(key, leaseTtl);
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        return delegate.fill(key, leaseToken, value, ttl);
    }

    @Override
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        return delegate.replace(key, expected, value, ttl);
    }

    @Override
    public Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
        return Mono.empty();
    }

    @Override
    public Mono<Void> closeAsync() {
        return delegate.closeAsync();
    }

    @Override
    public String toString() {
        return "TagFallback[" + delegate + "]";
    }
}
