package dev.cacheaside.testing;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * A {@link CacheStore} with the essential operations only (no tags, no compare-and-set, no bound
 * of its own), over an {@link InMemoryCacheStore}: for the engine's fallbacks. Thread safe.
 */
public final class PlainCacheStore implements CacheStore {

    /** The store every call goes to; its counters and clock are the test's. */
    public final InMemoryCacheStore memory;

    public PlainCacheStore() {
        this(new InMemoryCacheStore());
    }

    public PlainCacheStore(InMemoryCacheStore memory) {
        this.memory = memory;
    }

    @Override
    public Mono<byte[]> get(String key) {
        return memory.get(key);
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        return memory.set(key, value, ttl);
    }

    @Override
    public Mono<Boolean> delete(String key) {
        return memory.delete(key);
    }

    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        return memory.getOrLease(key, leaseTtl);
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        return memory.fill(key, leaseToken, value, ttl);
    }

    @Override
    public Mono<Void> closeAsync() {
        return memory.closeAsync();
    }
}
