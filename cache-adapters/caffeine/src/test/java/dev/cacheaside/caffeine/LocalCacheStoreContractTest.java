package dev.cacheaside.caffeine;

import dev.cacheaside.spi.CacheStore;
import dev.cacheaside.testkit.CacheStoreContract;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The store contract on {@link LocalCacheStore}, with a fake ticker: no test waits. */
class LocalCacheStoreContractTest extends CacheStoreContract {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private LocalCacheStore last;

    @Override
    protected CacheStore createStore() {
        last = LocalCacheStore.create(LocalStoreOptions.builder().ticker(nanos::get).build());
        return last;
    }

    @Override
    protected Duration tagTtl(String tag) {
        return last.tagTtlOf(tag);
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
}
