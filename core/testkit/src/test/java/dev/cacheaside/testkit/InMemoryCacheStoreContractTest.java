package dev.cacheaside.testkit;

import dev.cacheaside.spi.CacheStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store contract on {@link InMemoryCacheStore}: every store of a test is a client of one
 * store (so the cases for stores shared between instances run in full), on a ticker the test
 * moves (so no case waits).
 */
class InMemoryCacheStoreContractTest extends CacheStoreContract {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final InMemoryCacheStore server = InMemoryCacheStore.create(nanos::get);

    @Override
    protected CacheStore createStore() {
        return server.newClient();
    }

    @Override
    protected Duration tagTtl(String tag) {
        return server.tagTtlOf(tag);
    }

    @Override
    protected boolean advanceTime(Duration duration) {
        nanos.addAndGet(duration.toNanos());
        return true;
    }
}
