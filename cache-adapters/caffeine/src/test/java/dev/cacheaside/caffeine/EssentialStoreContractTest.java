package dev.cacheaside.caffeine;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testkit.CacheStoreContract;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/**
 * The store contract on a store with the essential operations only (a view of a
 * {@link LocalCacheStore} that hides its capabilities): the capability cases are skipped, every
 * other case holds. The engine's fallbacks for such a store are core's {@code PlainStoreTest}.
 */
class EssentialStoreContractTest extends CacheStoreContract {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    protected CacheStore createStore() {
        return new Essential(LocalCacheStore.create(LocalStoreOptions.builder().ticker(nanos::get).build()));
    }

    @Override
    protected Set<Class<? extends CacheStore>> capabilities() {
        return Set.of();
    }

    /** Never asked: the tag cases are skipped for a store without tags. */
    @Override
    protected Duration tagTtl(String tag) {
        throw new AssertionError("tagTtl asked of a store without tags");
    }

    @Override
    protected boolean advanceTime(Duration duration) {
        nanos.addAndGet(duration.toNanos());
        return true;
    }

    @Override
    protected boolean sharedBetweenInstances() {
        return false;
    }

    /** The essential operations of {@code store}, nothing more. */
    private static final class Essential implements CacheStore {
        private final LocalCacheStore store;

        Essential(LocalCacheStore store) {
            this.store = store;
        }

        @Override
        public Mono<byte[]> get(String key) {
            return store.get(key);
        }

        @Override
        public Mono<Void> set(String key, byte[] value, Duration ttl) {
            return store.set(key, value, ttl);
        }

        @Override
        public Mono<Boolean> delete(String key) {
            return store.delete(key);
        }

        @Override
        public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
            return store.getOrLease(key, leaseTtl);
        }

        @Override
        public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
            return store.fill(key, leaseToken, value, ttl);
        }

        @Override
        public Mono<Void> closeAsync() {
            return store.closeAsync();
        }
    }
}
