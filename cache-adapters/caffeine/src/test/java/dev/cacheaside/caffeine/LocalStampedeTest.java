package dev.cacheaside.caffeine;

import dev.cacheaside.spi.CacheLookup;
import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.spi.CompareAndSetStore;
import dev.cacheaside.testkit.StampedeContract;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * The stampede contract on one {@link LocalCacheStore} with the real ticker, shared by every
 * engine instance of a test through views whose close leaves it open: the in-process store is
 * per JVM, so "instances" here are engines in one process sharing it.
 */
class LocalStampedeTest extends StampedeContract {

    private final LocalCacheStore shared = LocalCacheStore.create();

    /** An extension, so that it runs after the contract's own checks after each test. */
    @RegisterExtension
    final AfterEachCallback closeShared = context -> shared.close();

    @Override
    protected CacheStore createClient() {
        return new SharedView(shared);
    }

    @Override
    protected Duration serverTtl(String key) {
        Duration ttl = shared.ttlOf(key);
        if (ttl == null) {
            throw new AssertionError("no live value under " + key);
        }
        return ttl;
    }

    /**
     * A view of the shared store: every operation goes to it; closing the view closes only the
     * view (its operations then signal {@link IllegalStateException}, as the SPI says).
     */
    private static final class SharedView implements CompareAndSetStore {
        private final LocalCacheStore inner;
        private final AtomicBoolean closed = new AtomicBoolean();

        SharedView(LocalCacheStore inner) {
            this.inner = inner;
        }

        private <T> Mono<T> open(Mono<T> operation) {
            return Mono.defer(() -> closed.get()
                    ? Mono.error(new IllegalStateException("this view of the shared LocalCacheStore is closed"))
                    : operation);
        }

        @Override
        public Mono<byte[]> get(String key) {
            return open(inner.get(key));
        }

        @Override
        public Mono<Void> set(String key, byte[] value, Duration ttl) {
            return open(inner.set(key, value, ttl));
        }

        @Override
        public Mono<Boolean> delete(String key) {
            return open(inner.delete(key));
        }

        @Override
        public Mono<CacheLookup> getOrLease(String key, Duration leaseTtl) {
            return open(inner.getOrLease(key, leaseTtl));
        }

        @Override
        public Mono<Boolean> fill(String key, String leaseToken, byte[] value, Duration ttl) {
            return open(inner.fill(key, leaseToken, value, ttl));
        }

        @Override
        public Mono<Boolean> replace(String key, byte[] expected, byte[] value, Duration ttl) {
            return open(inner.replace(key, expected, value, ttl));
        }

        @Override
        public Mono<Void> closeAsync() {
            return Mono.fromRunnable(() -> closed.set(true));
        }
    }
}
