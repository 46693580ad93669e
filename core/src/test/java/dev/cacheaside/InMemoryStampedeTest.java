package dev.cacheaside;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.spi.TaggedStore;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.time.Duration;

/** The stampede contract on the test store; every instance shares the one map. */
class InMemoryStampedeTest extends StampedeContract {

    private final InMemoryCacheStore shared = InMemoryCacheStore.realTime();

    @Override
    protected CacheStore newStore() {
        return new SharedView(shared);
    }

    @Override
    protected Duration serverTtl(String key) {
        return shared.ttlOf(key);
    }

    /** A view of the shared store whose close does not close the shared one. */
    private static final class SharedView implements TaggedStore, CompareAndSetStore {
        private final InMemoryCacheStore inner;

        SharedView(InMemoryCacheStore inner) {
            this.inner = inner;
        }

        @Override
        public reactor.core.publisher.Mono<byte[]> get(String key) {
            return inner.get(key);
        }

        @Override
        public reactor.core.publisher.Mono<Void> set(String key, byte[] value, Duration ttl) {
            return inner.set(key, value, ttl);
        }

        @Override
        public reactor.core.publisher.Mono<Boolean> delete(String key) {
            return inner.delete(key);
        }

        @Override
        public reactor.core.publisher.Mono<dev.cacheaside.spi.CacheLookup> getOrLease(String key, Duration leaseTtl) {
            return inner.getOrLease(key, leaseTtl);
        }

        @Override
        public reactor.core.publisher.Mono<Boolean> fill(String key, String token, byte[] value, Duration ttl) {
            return inner.fill(key, token, value, ttl);
        }

        @Override
        public reactor.core.publisher.Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
            return inner.replace(key, expected, value, ttl);
        }

        @Override
        public reactor.core.publisher.Mono<Void> tag(java.util.Collection<String> tags, String key, Duration ttl) {
            return inner.tag(tags, key, ttl);
        }

        @Override
        public reactor.core.publisher.Mono<Long> invalidateTag(String tag) {
            return inner.invalidateTag(tag);
        }

        @Override
        public reactor.core.publisher.Mono<Void> closeAsync() {
            return reactor.core.publisher.Mono.empty();
        }
    }
}
