package dev.cacheaside.bench.jmh;

import dev.cacheaside.caffeine.LocalCacheStore;
import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.InvalidatingStore;
import dev.cacheaside.spi.TaggedStore;
import java.time.Duration;
import java.util.Collection;
import reactor.core.publisher.Mono;

/**
 * The in-process store presented as one that reports invalidations and confirms tracking at
 * once, so that {@link HitBenchmark} can measure the near tier's own hit path (no network, no
 * invalidations arrive: nothing changes during the benchmark). Not a store to use: it tells
 * of no change.
 */
final class TrackedLocalStore implements InvalidatingStore, TaggedStore, CompareAndSetStore {

    private final LocalCacheStore local = LocalCacheStore.create();

    @Override
    public void listen(String keyPrefix, Listener listener) {
        listener.tracking();
    }

    @Override
    public Mono<byte[]> get(String key) {
        return local.get(key);
    }

    @Override
    public Mono<Void> set(String key, byte[] value, Duration ttl) {
        return local.set(key, value, ttl);
    }

    @Override
    public Mono<Boolean> delete(String key) {
        return local.delete(key);
    }

    @Override
    public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
        return local.getOrLease(key, leaseTtl);
    }

    @Override
    public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
        return local.fill(key, leaseToken, value, ttl);
    }

    @Override
    public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
        return local.replace(key, expected, value, ttl);
    }

    @Override
    public Mono<Void> tag(Collection<String> tags, String key, Duration ttl) {
        return local.tag(tags, key, ttl);
    }

    @Override
    public Mono<Long> invalidateTag(String tag) {
        return local.invalidateTag(tag);
    }

    @Override
    public Mono<Void> closeAsync() {
        return local.closeAsync();
    }
}
